"""`myna batch run --review-below T --review-dataset D`: after the run, the rows answered with
less confidence than T go into annotation dataset D's queue, the model's guess pre-filled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from myna.core.errors import InputError

CHUNK = 10_000


def open_review(request: Any, predictor: Any):
    """The review queue the request asks for (None: none); checked before any row runs."""
    if request.review_below is None and request.review_dataset is None:
        return None
    if request.review_below is None or request.review_dataset is None:
        raise InputError("--review-below and --review-dataset go together")
    if not request.task_takes_text():
        raise InputError(f"task {request.task!r} does not read texts: nothing to review",
                         where="--review-below")
    if "://" in request.output and not request.output.startswith("file://"):
        raise InputError("the review queue reads the output back: write it to a local path",
                         where=request.output)
    from myna.annotate.review_queue import ReviewQueue
    from myna.tasks import get_task

    task = get_task(request.task)
    return ReviewQueue(request.review_dataset, request.review_below, task,
                       predictor.labels.get(task.name, []), predictor.name, None,
                       request.review_db)


def queue_unsure(review: Any, output: str | Path, text_column: str) -> int:
    """Read the written output back and queue its unsure rows; returns how many were new."""
    import pyarrow.dataset as ds

    table = ds.dataset(str(output).removeprefix("file://"), format="parquet")
    added = 0
    for batch in table.to_batches(batch_size=CHUNK):
        rows = batch.to_pylist()
        unsure = review.unsure([r[text_column] or "" for r in rows], rows,
                               f"batch {output}")
        added += review.add(unsure)
    return added
