"""The task registry: Myna's own tasks plus any a package adds through the ``myna_tasks``
entry-point group (``name = "package.module:TaskClass"``), as spaCy does for factories."""

from __future__ import annotations

import importlib

import catalogue

from myna.core.errors import InputError
from myna.tasks.base import Task

tasks = catalogue.create("myna", "tasks", entry_points=True)
BUILTIN = ("ner", "textcat", "link", "analyze", "embed", "question_answering",
           "summarization", "generation", "fill_mask", "zero_shot", "similarity", "search")


def register_task(cls: type[Task]) -> type[Task]:
    """Class decorator: ``@register_task class Shout(Task): name = "shout" …``."""
    tasks.register(cls.name, func=cls)
    return cls


def unregister_task(name: str) -> None:
    """Remove a task (tests that register their own)."""
    if catalogue.check_exists("myna", "tasks", name):
        catalogue._remove(("myna", "tasks", name))


def all_tasks() -> list[Task]:
    """Every registered task, in their order (a model's first task is its default)."""
    for name in BUILTIN:
        importlib.import_module(f"myna.tasks.{name}")
    found = [cls() for cls in tasks.get_all().values()]
    return sorted(found, key=lambda t: (t.order, t.name))


def task_names() -> list[str]:
    return [t.name for t in all_tasks()]


def task_choices() -> list[str]:
    """Names and aliases: what a ``--task`` option accepts."""
    return [n for t in all_tasks() for n in (t.name, *t.aliases)]


def canonical_name(name: str) -> str:
    """The registered name for a name or an alias, or `InputError` listing them."""
    return get_task(name).name


def get_task(name: str) -> Task:
    found = all_tasks()
    for task in found:
        if task.name == name:
            return task
    for task in found:
        if name in task.aliases:
            return task
    raise InputError(f"unknown task {name!r}; one of "
                     + ", ".join(t.name + (f" ({', '.join(t.aliases)})" if t.aliases else "")
                                 for t in found))
