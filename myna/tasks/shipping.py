"""Tasks registered at run time (in a notebook, a test, a script) travel to other processes
by value: `myna serve`'s worker processes and Spark's executors import Myna's own tasks and
the entry points' themselves, but not what the parent registered with `register_task`."""

from __future__ import annotations

import sys

import catalogue

from myna.tasks.base import Task
from myna.tasks.registry import register_task


def runtime_tasks() -> list[type[Task]]:
    """Task classes registered with `register_task` outside Myna's package."""
    registered = catalogue._get_all(("myna", "tasks"))
    return [cls for cls in registered.values() if not cls.__module__.startswith("myna.")]


def pack_runtime_tasks() -> bytes | None:
    """The runtime tasks as bytes (their classes pickled by value), or None if there are none."""
    import cloudpickle

    found = runtime_tasks()
    if not found:
        return None
    for cls in found:
        module = sys.modules.get(cls.__module__)
        if module is not None and cls.__module__ != "__main__":
            cloudpickle.register_pickle_by_value(module)
    return cloudpickle.dumps(found)


def register_packed(blob: bytes | None) -> None:
    """In the other process: register what `pack_runtime_tasks` sent."""
    if blob is None:
        return
    import cloudpickle

    for cls in cloudpickle.loads(blob):
        register_task(cls)
