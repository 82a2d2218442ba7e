"""How a task is scored on labelled data. A task names its evaluator (``Task.evaluator``,
``"module:Class"``, as it names its app page); `myna evaluate` and `myna compare` look it up
through the task registry, so scoring code never branches on a task's name."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from myna.core.errors import InputError
from myna.core.example import Example
from myna.evaluate.labelmap import LabelMap

if TYPE_CHECKING:
    from myna.evaluate.compare import Comparison


@dataclass
class EvalReport:
    task: str
    model: str
    data: str
    examples: int
    labels: list[str]
    per_label: dict[str, dict[str, float]]
    micro: dict[str, float]
    macro: dict[str, float]
    accuracy: float | None = None
    confusion: list[list[int]] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    seqeval_f1: float | None = None
    unknown_labels: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def macro(per_label: dict[str, dict[str, float]]) -> dict[str, float]:
    n = max(len(per_label), 1)
    return {k: sum(v[k] for v in per_label.values()) / n for k in ("p", "r", "f")}


class Evaluator:
    """Scores a spaCy pipeline's predictions (spaCy ``Example`` pairs) for one task."""

    task: str  # set by `evaluator_for` from the task that names this evaluator

    def has_gold(self, examples: list[Example]) -> bool:
        """Whether the labelled data holds this task's answers."""
        raise NotImplementedError

    def missing(self, nlp: Any) -> str | None:
        """Why the pipeline cannot be scored for this task (None: it can)."""
        return None

    def score_answers(self, examples: list[Any], labels: list[str],
                      exclusive: bool) -> dict[str, Any]:
        """spaCy's scores of predicted docs set from a task's answers (a model that is not a
        spaCy pipeline, `myna.evaluate.as_pipeline`)."""
        raise NotImplementedError

    def known_labels(self, nlp: Any, label_map: LabelMap | None) -> set[str]:
        raise NotImplementedError

    def relabel(self, docs: Iterable[Any], label_map: LabelMap | None) -> Iterable[Any]:
        """The predicted docs as the data names labels (default: unchanged)."""
        return docs

    def report(self, model: str, data: str, examples: list[Example], pairs: list[Any],
               scores: dict[str, Any], known: set[str], n_errors: int, nlp: Any) -> EvalReport:
        raise NotImplementedError

    def prediction(self, pair: Any) -> Any:
        """A pair's prediction in a form two models' answers can be compared by."""
        raise NotImplementedError

    def describe_error(self, error: dict[str, Any]) -> str:
        raise NotImplementedError

    def write_disagreements(self, comparison: Comparison, path: Path) -> bool:
        """Render the sampled disagreements as a page; False when this task has no view."""
        return False


def evaluators() -> list[Evaluator]:
    """An evaluator per registered task that names one, in the tasks' order."""
    from myna.tasks import all_tasks

    found = []
    for task in all_tasks():
        if task.evaluator:
            module, name = task.evaluator.split(":")
            evaluator = getattr(importlib.import_module(module), name)()
            evaluator.task = task.name
            found.append(evaluator)
    return found


def evaluator_for(task: str) -> Evaluator:
    for evaluator in evaluators():
        if evaluator.task == task:
            return evaluator
    raise InputError(f"task {task!r} cannot be evaluated (no evaluator); tasks that can: "
                     f"{', '.join(e.task for e in evaluators())}")


def detect(examples: list[Example]) -> Evaluator:
    """The evaluator of the first task (in registry order) whose answers the data holds."""
    for evaluator in evaluators():
        if evaluator.has_gold(examples):
            return evaluator
    raise InputError("the data has neither entity spans nor categories to evaluate against")
