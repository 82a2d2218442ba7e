"""A task's model for a batch run: the columns it adds to every row (the task's Arrow schema
plus ``error``; Spark's DDL is derived from it) and its predictions for a chunk of texts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from myna.tasks import Predictor
from myna.tasks.schemas import ERROR_COLUMN, with_error

__all__ = ["ERROR_COLUMN", "BatchModel"]


class BatchModel:
    """``predict(inputs)``: one dict per input (a text, or a record for a record task) with
    the task's columns and ``error``; an input that cannot be run gets ``None`` results and
    its reason in ``error``. ``params``: the task's parameters, checked once here."""

    def __init__(self, predictor: Predictor, task: str, params: dict[str, Any] | None = None):
        self.predictor = predictor
        self.task = predictor.check_task(task)
        self.params = predictor.task(self.task).check_params(params)  # bad ones stop here
        columns = predictor.task(self.task).table_schema(predictor.model)
        if columns is None:
            raise TypeError(f"task {self.task!r} declares no output columns")
        self.schema: pa.Schema = with_error(columns)
        self._columns = [f.name for f in self.schema]

    def predict(self, texts: Sequence[Any]) -> list[dict[str, Any]]:
        rows = self.predictor.predict(texts, self.task, errors="row", params=self.params)
        return [_only(row, self._columns) for row in rows]


def _only(row: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    if row.get(ERROR_COLUMN):
        return {c: row[ERROR_COLUMN] if c == ERROR_COLUMN else None for c in columns}
    return {c: row.get(c) for c in columns}
