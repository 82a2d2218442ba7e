"""A corpus's sentence embeddings computed on Spark (`myna index build --engine spark`): the
batch engine runs the ``embed`` task over the corpus, writes Parquet to a hidden folder beside
the index, and the driver reads it back in input order. On a multi-machine cluster that folder
must be on storage the executors share with the driver."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from myna.batch.run import BatchRequest, Progress, run_batch
from myna.batch.tasks import ERROR_COLUMN
from myna.core.errors import InputError

ROW = "_myna_row"


@dataclass
class EmbeddedCorpus:
    ids: list[str]
    texts: list[str]
    meta: dict[str, list[Any]]
    vectors: np.ndarray  # float32, one row per text, not yet normalised


def embed_on_spark(data: Path, column: str, id_column: str | None, meta_columns: list[str],
                   encoder: str | None, beside: Path, master: str | None = None,
                   partitions: int | None = None, progress: Progress | None = None,
                   spark: Any = None) -> EmbeddedCorpus:
    """Every row's embedding (rows in input order); a row without text is an error naming
    the row, as on the local path."""
    from myna.batch.spark import input_format, read_input
    from myna.batch.spark_session import check_master, spark_session

    master = master or "local[*]"
    check_master(master)
    own_session = spark is None
    spark = spark or spark_session(master)
    kept = list(dict.fromkeys([column, *meta_columns, *([id_column] if id_column else [])]))
    try:  # every named column checked before any work (reads a CSV's header only)
        read_input(spark, str(data), input_format(str(data), None), kept, "utf-8", [])
        beside.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".myna-embed-", dir=beside) as work:
            output = str(Path(work) / "embeddings")
            request = BatchRequest(input=str(data), output=output, column=column, task="embed",
                                   model=encoder, engine="spark", master=master,
                                   partitions=partitions, row_numbers=ROW)
            summary = run_batch(request, progress, spark)
            table = pq.read_table(output, columns=[ROW, "embedding", ERROR_COLUMN, *kept])
    finally:
        if own_session:
            spark.stop()
    if summary.rows == 0:
        raise InputError("no rows to index", where=str(data))
    table = table.sort_by(ROW)
    texts = table.column(column).cast(pa.string())
    blank = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(texts), ""), True)
    if pc.any(blank).as_py():
        first = table.column(ROW)[pc.index(blank, True).as_py()].as_py()
        raise InputError(f"no text in column {column!r}", where=f"{data}, row {first}")
    failed = pc.filter(table, pc.is_valid(table.column(ERROR_COLUMN)))
    if len(failed):
        first = failed.slice(0, 1).to_pylist()[0]
        raise InputError(f"{len(failed)} row(s) could not be embedded; the first: "
                         f"{first[ERROR_COLUMN]}", where=f"{data}, row {first[ROW]}")
    return EmbeddedCorpus(
        ids=[str(v) for v in table.column(id_column or ROW).to_pylist()],
        texts=texts.to_pylist(),
        meta={m: table.column(m).to_pylist() for m in meta_columns},
        vectors=_matrix(table.column("embedding")))


def _matrix(column: pa.ChunkedArray) -> np.ndarray:
    """A list<float> column as an (n, dim) array without a Python list per row."""
    flat = pc.list_flatten(column).to_numpy(zero_copy_only=False).astype(np.float32)
    return flat.reshape(len(column), -1)
