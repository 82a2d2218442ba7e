"""The worker side of the Spark engine: a pandas (Arrow) UDF that loads the model once per
Python worker process and keeps it for every later batch and task that worker runs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from myna.batch.inputs import text_problem
from myna.batch.local import predict_chunk
from myna.batch.model_spec import ModelSpec, load_batch_model
from myna.batch.tasks import BatchModel

REPLACEMENT_CHAR = "\ufffd"
_loaded: dict[ShippedModel, BatchModel] = {}


@dataclass(frozen=True)
class ShippedModel:
    """How executors find the model: ``archive`` names a zip added with ``addArchive`` (else
    ``spec.source`` is loaded as given: a registry URI or an installed pipeline); ``kb_file``
    names a knowledge base added with ``addFile``."""

    spec: ModelSpec
    archive: str | None = None
    kb_file: str | None = None
    tracking_uri: str | None = None  # where executors resolve a registry URI
    tasks: bytes | None = None  # tasks registered only on the driver, sent by value

    def local_spec(self) -> ModelSpec:
        from pyspark import SparkFiles

        spec = self.spec
        if self.archive:
            spec = replace(spec, source=SparkFiles.get(self.archive))
        if self.kb_file:
            spec = replace(spec, kb=SparkFiles.get(self.kb_file))
        return spec


def worker_model(shipped: ShippedModel, loads=None) -> BatchModel:
    """The model for this Python worker, loaded on first use; ``loads`` (an accumulator) counts
    the loads so the driver can report them."""
    model = _loaded.get(shipped)
    if model is None:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from myna.core.threads import one_thread_per_process

        one_thread_per_process()  # Spark runs one Python worker per core
        if shipped.tracking_uri:
            os.environ["MLFLOW_TRACKING_URI"] = shipped.tracking_uri
        from myna.tasks.shipping import register_packed

        register_packed(shipped.tasks)
        model = _loaded[shipped] = load_batch_model(shipped.local_spec())
        if loads is not None:
            loads.add(1)
    return model


def spark_problem(value: Any, column: str) -> str | None:
    """Spark decodes bad UTF-8 bytes to U+FFFD, so that character marks a row whose bytes were
    not valid UTF-8 (the local engine sees the bytes themselves)."""
    where = f"column {column!r}"
    if isinstance(value, str) and REPLACEMENT_CHAR in value:
        return (f"{where}: not valid UTF-8 (Spark read undecodable bytes as U+FFFD at character "
                f"{value.index(REPLACEMENT_CHAR)}); pass --encoding if the file uses another")
    return text_problem(value, where)


def predict_series(shipped: ShippedModel, inputs: list[str], columns: list[str], loads=None,
                   fields: list[str] | None = None):
    """``Iterator[pd.Series] -> Iterator[pd.DataFrame]`` for ``pandas_udf``: one text column,
    or (``fields``) one column per field of a record task, in the order of ``inputs``."""

    def cells(series: pd.Series) -> list[Any]:
        return [None if v is None or (isinstance(v, float) and pd.isna(v)) else v
                for v in series.tolist()]

    def run(batches: Iterator[Any]) -> Iterator[pd.DataFrame]:
        model = worker_model(shipped, loads)
        for batch in batches:
            parts = [cells(s) for s in (batch if isinstance(batch, tuple) else (batch,))]
            values: list[Any] = []
            errors: list[str | None] = []
            for row in zip(*parts, strict=True):
                problem = next((p for p in (spark_problem(v, c) for v, c in
                                            zip(row, inputs, strict=True)) if p), None)
                errors.append(problem)
                if fields is None:
                    values.append("" if problem else row[0])
                else:
                    values.append({} if problem else dict(zip(fields, row, strict=True)))
            places = [f"column {inputs[0]!r}"] * len(values)
            rows = predict_chunk(model, values, errors, places)
            yield pd.DataFrame(rows, columns=columns)

    # Spark reads the kind of pandas UDF from the type hints: one column, or several.
    def one_column(batches: Iterator[pd.Series]) -> Iterator[pd.DataFrame]:
        return run(batches)

    def several(batches: Iterator[tuple[pd.Series, ...]]) -> Iterator[pd.DataFrame]:
        return run(batches)

    return one_column if len(inputs) == 1 else several
