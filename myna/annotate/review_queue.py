"""Low-confidence review: answers a model is unsure of go into an annotation dataset's queue,
the model's guess pre-filled, so people correct exactly those (`serve --review-below`,
`batch run --review-below`). The queue is the annotation store's, so it outlives the server."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from myna.annotate.store import ImportRow
from myna.core.errors import InputError


class ReviewQueue:
    def __init__(self, dataset: str, threshold: float, task: Any, labels: Sequence[str],
                 model: str, version: str | None = None, db: str | None = None,
                 exclusive: bool = True):
        """``task``: the registered task whose answers are reviewed (it must name a dataset
        kind, `Task.review_kind`); opening the store and the dataset happens here, so a bad
        database or a dataset of another kind stops the command before any work."""
        from myna.annotate.database import open_store

        if not 0 < threshold <= 1:
            raise InputError(f"must be above 0 and at most 1 (a confidence), not {threshold}",
                             where="--review-below")
        if task.review_kind is None:
            raise InputError(f"the {task.name} task's answers have no single confidence to "
                             "review by (text classifiers have one)", where="--review-below")
        self.task, self.threshold, self.model, self.version = task, threshold, model, version
        self.store = open_store(db)
        self.dataset = self.store.ensure_dataset(dataset, task.review_kind, labels, exclusive)

    def unsure(self, texts: Sequence[str], rows: Sequence[dict[str, Any]], source: str,
               ) -> list[ImportRow]:
        """The rows under the threshold, as texts to annotate with the guess pre-filled."""
        found = []
        for text, row in zip(texts, rows, strict=True):
            if row.get("error"):
                continue
            outcome = self.task.outcome(row)
            if outcome is None or outcome[1] >= self.threshold:
                continue
            meta = {"model": self.model, "version": self.version, "guess": outcome[0],
                    "confidence": round(outcome[1], 4), "review": f"below {self.threshold}",
                    "source": source}
            found.append(ImportRow(text=text, extra={**self.task.review_guess(row),
                                                     "meta": meta}))
        return found

    def add(self, rows: Sequence[ImportRow]) -> int:
        """Queue them (one transaction); a text already in the dataset is not queued twice.
        Returns how many were new."""
        if not rows:
            return 0
        added, _, _ = self.store.import_rows(self.dataset, rows)
        return added
