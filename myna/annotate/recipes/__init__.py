"""A recipe says what an annotation session shows and what it stores, as in Prodigy: the
dataset shape (``kind``), the view the UI renders, how a stored example becomes a task,
how an answer is checked, and optional hooks to order the stream and learn from answers.
The server knows nothing else about recipes, so new ones plug in without touching it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from myna.annotate.store import StoredExample
from myna.core.errors import InputError


class AnswerError(InputError):
    """An answer the UI (or a client) sent that does not fit the task."""


@dataclass
class CheckedAnswer:
    answer: str
    spans: list[dict[str, Any]] = field(default_factory=list)
    cats: dict[str, float] = field(default_factory=dict)
    label: str | None = None


@dataclass
class Recipe:
    """The base recipe; subclasses override `task` and `check`."""

    name: str
    kind: str  # dataset shape: ner | textcat
    view: str  # what the UI draws: ner | choice | classification
    labels: list[str]
    exclusive: bool = True
    overlap: bool = True  # every session sees every example (needed for agreement)
    window: int = 1  # >1: the stream looks at this many examples and `choose` picks one

    def task(self, example: StoredExample) -> dict[str, Any]:
        raise NotImplementedError

    def check(self, example: StoredExample, payload: dict[str, Any]) -> CheckedAnswer:
        raise NotImplementedError

    def choose(self, candidates: list[StoredExample]) -> StoredExample:
        """Which of the next ``window`` examples to serve; the first by default."""
        return candidates[0]

    def learn(self, example: StoredExample, answer: CheckedAnswer) -> None:
        """Called after each stored answer; a recipe with a model may update it."""

    def config(self) -> dict[str, Any]:
        return {"recipe": self.name, "view": self.view, "kind": self.kind,
                "labels": self.labels, "exclusive": self.exclusive}


MAX_ID = 2**63 - 1  # the largest integer SQLite and PostgreSQL BIGINT store


def whole_number(value: Any, where: str, high: int = MAX_ID) -> int:
    """A JSON integer from 0 to ``high``: not a boolean, float or string that looks like one."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise AnswerError(f"must be a whole number, not {type(value).__name__}", where=where)
    if not 0 <= value <= high:
        raise AnswerError(f"{value} is out of range (0 to {high:,})", where=where)
    return value


def answer_kind(payload: dict[str, Any]) -> str:
    answer = payload.get("answer")
    if answer not in ("accept", "reject", "ignore"):
        raise AnswerError(f"field 'answer' must be accept, reject or ignore, not {answer!r}")
    return answer


def parse_labels(value: str | list[str] | None, where: str = "--label") -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else value.split(",")
    labels = [v.strip() for v in items if v.strip()]
    if len(set(labels)) != len(labels):
        raise InputError("a label is listed twice", where=where)
    return labels
