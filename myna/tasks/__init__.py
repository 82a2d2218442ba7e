"""Tasks: one module each, registered once; every surface (REST, `/invocations`, the MLflow
flavor, batch, the app, the CLI) is generated from this registry. See ARCHITECTURE.md for
adding one."""

from myna.tasks.base import Task, checked_text
from myna.tasks.registry import (
    all_tasks,
    get_task,
    register_task,
    task_names,
    unregister_task,
)
from myna.tasks.runner import Predictor

__all__ = ["Predictor", "Task", "all_tasks", "checked_text", "get_task", "register_task",
           "task_names", "unregister_task"]
