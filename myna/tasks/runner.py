"""`Predictor`: one loaded model answering every task it can, the same way for every surface
(REST, MLflow's pyfunc, batch, the app): preprocess (check the texts) → the task's forward
and postprocess → plain records, one per text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from myna.core.errors import InputError
from myna.models.base import LoadedModel
from myna.tasks.base import Task
from myna.tasks.registry import all_tasks, canonical_name, task_names


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

    def __repr__(self) -> str:
        return f"Predictor({self.model.name!r}, kind={self.model.kind!r}, tasks={self.tasks})"

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
        """Run every task once on its sample, so lazy loading (encoders, KB vectors) happens
        before the first request."""
        for task in self._tasks.values():
            task.warm_up(self.model)
            if task.sample is not None:
                self.predict([task.sample], task.name, params=task.sample_params)

    def check_task(self, task: str | None) -> str:
        """The task's registered name (an alias such as ``sentiment`` gives ``textcat``)."""
        task = task or self.default_task
        if task in self._tasks:  # every call: no registry lookup unless it fails
            return task
        name = canonical_name(task)
        if name not in self._tasks:
            raise InputError(f"model {self.name!r} cannot do {name!r} (it can do "
                             f"{', '.join(self.tasks)})")
        return name

    def preprocess(self, inputs: Sequence[Any], task: Task | None = None,
                   ) -> tuple[list[Any], list[str | None]]:
        """The inputs to run and, per input, why it cannot be run (or None). Null cells
        become empty texts; other non-text values, texts over the model's ``max_length`` and
        records without a field are errors naming their position; their slot is run as a
        stand-in (an empty text, or the first good record)."""
        task = task or self.task(None)
        out: list[Any] = []
        errors: list[str | None] = []
        for i, value in enumerate(inputs):
            try:
                item = task.check_input(value, f"{'text' if task.takes_text else 'input'} #{i}",
                                        self.max_length)
            except InputError as err:
                out.append(None)
                errors.append(str(err))
            else:
                out.append(item)
                errors.append(None)
        stand_in = "" if task.takes_text else next((x for x in out if x is not None), None)
        return [stand_in if x is None else x for x in out], errors

    def predict(self, inputs: Sequence[Any], task: str | None = None, errors: str = "raise",
                params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """One record per input (a text, or a record for tasks such as question answering).
        ``errors="raise"``: the first bad input raises `InputError`; ``"row"``: every record
        gets an ``error`` field (None, or why that input was not run) and the rest go on.
        ``params``: the task's options (`Task.params`); a bad one always raises."""
        runner = self.task(task)
        checked = runner.check_params(params)
        ready, problems = self.preprocess(inputs, runner)
        first = next((p for p in problems if p), None)
        if errors == "raise" and first:
            raise InputError(first)
        good = [i for i, p in enumerate(problems) if p is None]
        if not runner.takes_text and len(good) < len(ready):  # run only the good records
            rows: list[dict[str, Any]] = [{} for _ in ready]
            done = runner.run(self.model, [ready[i] for i in good], checked) if good else []
            for i, row in zip(good, done, strict=True):
                rows[i] = row
        else:
            rows = runner.run(self.model, ready, checked)
        for row, problem in zip(rows, problems, strict=True):  # a task may refuse an input
            if problem is None and row.get("error"):
                if errors == "raise":
                    raise InputError(row["error"])
            elif errors == "row" or problem:
                row["error"] = problem
        if errors == "row":
            for row in rows:
                row.setdefault("error", None)
        return rows
