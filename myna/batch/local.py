"""The local engine: worker processes run the model over chunks of the input, the parent
writes one Parquet file. No JVM; the same output schema as the Spark engine."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pyarrow as pa

from myna.batch.inputs import Chunk, InputTable, read_chunks
from myna.batch.model_spec import ModelSpec, load_batch_model
from myna.batch.output import commit_local, temp_sibling
from myna.batch.summary import BatchSummary
from myna.batch.tasks import ERROR_COLUMN, BatchModel
from myna.core.errors import MynaError
from myna.core.pool import ordered_map, start_method
from myna.core.processes import worker_started
from myna.core.threads import one_thread_per_process

CHUNK_ROWS = 1000
_worker_model: BatchModel | None = None


def _init_worker(spec: ModelSpec | None) -> None:
    global _worker_model
    worker_started()  # SIGTERM ends it; it ends with the parent
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    if spec is not None:  # spawn: load here; fork: inherited from the parent
        _worker_model = load_batch_model(spec)
    one_thread_per_process()


def predict_chunk(model: BatchModel, texts: list[Any], errors: list[str | None],
                  places: list[str]) -> list[dict[str, Any]]:
    """Results for one chunk; a read problem wins over the model's, and the model's messages
    name the file and line instead of the position in the chunk."""
    results = model.predict(texts)
    for i, (row, problem) in enumerate(zip(results, errors, strict=True)):
        if problem:
            row.update(dict.fromkeys(row, None))
            row[ERROR_COLUMN] = problem
        elif row[ERROR_COLUMN]:
            row[ERROR_COLUMN] = row[ERROR_COLUMN].replace(f"text #{i}", places[i], 1)
    return results


def _run_chunk(texts: list[Any], errors: list[str | None],
               places: list[str]) -> list[dict[str, Any]]:
    assert _worker_model is not None
    return predict_chunk(_worker_model, texts, errors, places)


def _chunk_args(chunk: Chunk) -> tuple[list[Any], list[str | None], list[str]]:
    """What a worker needs of a chunk (not its Arrow table)."""
    return chunk.texts, chunk.errors, chunk.places


def _results(model: BatchModel, spec: ModelSpec, chunks: Iterator[Chunk], n_process: int,
             ) -> Iterator[tuple[Chunk, list[dict[str, Any]]]]:
    """Chunks with their results, in input order, at most ``2 * n_process`` chunks in flight."""
    global _worker_model
    if n_process <= 1:
        for chunk in chunks:
            yield chunk, predict_chunk(model, chunk.texts, chunk.errors, chunk.places)
        return
    method = start_method()
    _worker_model = model if method == "fork" else None
    yield from ordered_map(_run_chunk, chunks, n_process, _init_worker,
                           (None if method == "fork" else spec,), method, _chunk_args)


def run_local(table: InputTable, model: BatchModel, spec: ModelSpec, output: Path,
              n_process: int, progress: Callable[[int], None] | None = None) -> BatchSummary:
    import pyarrow.parquet as pq

    summary = BatchSummary("local", model.task, str(table.path), str(output))
    schema = pa.schema([*table.schema, *model.schema])
    started = time.perf_counter()
    tmp = temp_sibling(output)
    try:
        with pq.ParquetWriter(tmp, schema) as writer:
            for chunk, results in _results(model, spec, read_chunks(table, CHUNK_ROWS),
                                                   n_process):
                out = pa.Table.from_pylist(results, schema=model.schema)
                writer.write_table(pa.Table.from_arrays(
                    [*chunk.table.cast(table.schema).columns, *out.columns], schema=schema))
                summary.rows += len(results)
                for row in results:
                    if row[ERROR_COLUMN]:
                        summary.failed += 1
                        summary.first_error = summary.first_error or row[ERROR_COLUMN]
                if progress is not None:
                    progress(summary.rows)
        commit_local(tmp, output)
    except BrokenProcessPool:
        raise MynaError("a worker process died (out of memory? try fewer --n-process or a "
                        "smaller --batch-size)", where=str(table.path),
                        hint="nothing was written; the previous output, if any, is intact"
                        ) from None
    except OSError as err:  # name the output the user gave, not its temporary twin
        message = (err.strerror or str(err)).replace(str(tmp), str(output))
        raise MynaError(f"cannot write the output: {message}", where=str(output),
                        hint="the previous output, if any, is intact") from None
    finally:
        tmp.unlink(missing_ok=True)
    summary.seconds = time.perf_counter() - started
    return summary
