"""`Predictor`: one loaded model answering every task it can, the same way for every surface
(REST, MLflow's pyfunc, batch, the app): preprocess (check the texts) → the task's forward
and postprocess → plain records, one per text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from myna.core.errors import InputError
from myna.data.cells import cell_to_text
from myna.models.base import LoadedModel
from myna.tasks.base import Task
from myna.tasks.registry import all_tasks, task_names

WARM_UP_TEXT = "Warm-up text from Myna."


class Predictor:
    """``model``: a `LoadedModel` (or a spaCy ``Language``, wrapped); ``linker`` (a knowledge
    base) adds the ``link`` task to a model with entities."""

    def __init__(self, model: Any, name: str | None = None, batch_size: int | None = None,
                 linker: Any = None):
        if not isinstance(model, LoadedModel):
            from myna.models.spacy_backend import wrap

            model = wrap(model, name or "model")
        if name:
            model.name = name
        if batch_size:
            model.batch_size = batch_size
        if linker is not None:
            model.linker = linker
        self.model = model
        self._tasks = {t.name: t for t in all_tasks() if t.accepts(model)}
        self.tasks = list(self._tasks)
        if not self.tasks:
            raise InputError(f"model {model.name!r} ({model.kind}) can do none of the tasks "
                             f"{', '.join(task_names())}")

    name = property(lambda self: self.model.name)
    nlp = property(lambda self: self.model.obj)  # the library's own object
    linker = property(lambda self: self.model.linker)
    max_length = property(lambda self: self.model.max_length)
    labels = property(lambda self: self.model.labels)

    @property
    def batch_size(self) -> int:
        return self.model.batch_size

    @batch_size.setter
    def batch_size(self, value: int) -> None:
        self.model.batch_size = value

    @property
    def features(self) -> frozenset[str]:
        """The analysis features of a spaCy pipeline (none for other models)."""
        return getattr(self.model, "features", frozenset())

    @property
    def _disabled(self) -> dict[str, list[str]]:
        """spaCy components each task leaves out."""
        return {name: task.disabled(self.model) for name, task in self._tasks.items()
                if hasattr(task, "disabled")}

    @property
    def default_task(self) -> str:
        return self.tasks[0]

    def task(self, name: str | None) -> Task:
        return self._tasks[self.check_task(name)]

    def warm_up(self) -> None:
        """Run every task once, so lazy loading (encoders, KB vectors) happens before the
        first request."""
        for task in self._tasks.values():
            task.warm_up(self.model)
            self.predict([WARM_UP_TEXT], task.name)

    def check_task(self, task: str | None) -> str:
        task = task or self.default_task
        if task in self._tasks:  # every call: no registry lookup unless it fails
            return task
        if task not in task_names():
            raise InputError(f"unknown task {task!r}; one of {', '.join(task_names())}")
        if task not in self._tasks:
            raise InputError(f"model {self.name!r} cannot do {task!r} (it can do "
                             f"{', '.join(self.tasks)})")
        return task

    def preprocess(self, texts: Sequence[Any]) -> tuple[list[str], list[str | None]]:
        """The texts to run and, per text, why it cannot be run (or None). Null cells become
        empty texts; other non-text values and texts over the model's ``max_length`` are
        errors naming their position; their slot is run as an empty text."""
        out: list[str] = []
        errors: list[str | None] = []
        for i, value in enumerate(texts):
            try:
                text = checked_text(value, f"text #{i}", self.max_length)
            except InputError as err:
                out.append("")
                errors.append(str(err))
            else:
                out.append(text)
                errors.append(None)
        return out, errors

    def predict(self, texts: Sequence[Any], task: str | None = None,
                errors: str = "raise") -> list[dict[str, Any]]:
        """``errors="raise"``: the first bad text raises `InputError`; ``"row"``: every record
        gets an ``error`` field (None, or why that text was not run) and the rest go on."""
        runner = self.task(task)
        ready, problems = self.preprocess(texts)
        first = next((p for p in problems if p), None)
        if errors == "raise" and first:
            raise InputError(first)
        rows = runner.run(self.model, ready)
        if errors == "row":
            for row, problem in zip(rows, problems, strict=True):
                row["error"] = problem
        return rows


def checked_text(value: Any, where: str, max_chars: int) -> str:
    """A cell as text, or `InputError` when it is not text or is over ``max_chars``."""
    text = cell_to_text(value, where)
    if len(text) > max_chars:
        raise InputError(f"text of {len(text):,} characters is over the limit of "
                         f"{max_chars:,}", where=where)
    return text
