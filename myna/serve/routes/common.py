"""Shared by the prediction routes: the per-request limits and running a task with a timeout.
(API keys are checked before the routes, by `myna.core.web.auth.KeyGuard`.)"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from fastapi import HTTPException, Request

from myna.serve.scheduler import Overloaded
from myna.serve.schemas import ErrorOut
from myna.serve.workers import WorkerDied

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 413, 422, 500, 503, 504)}
# Words and punctuation marks: a quick count that is at least spaCy's for English text.
TOKEN = re.compile(r"\w+|[^\w\s]")


def check_texts(request: Request, texts: list[Any], field: str) -> list[str]:
    """A non-empty list of non-empty strings within the request's limits: number of texts,
    characters per text, characters in all."""
    settings = request.app.state.settings
    if not texts:
        raise HTTPException(422, f"{field} is empty; send at least one text")
    if len(texts) > settings.max_texts:
        raise HTTPException(413, f"{field} has {len(texts):,} texts, over the limit of "
                                 f"{settings.max_texts:,} per request; split it into several "
                                 "requests")
    total = 0
    for i, text in enumerate(texts):
        where = f"{field}[{i}]" if len(texts) > 1 or field.endswith("s") else field
        if not isinstance(text, str):
            raise HTTPException(422, f"{where} is a {type(text).__name__}, not a string")
        if not text.strip():
            raise HTTPException(422, f"{where} is empty")
        if len(text) > settings.max_text_chars:
            raise HTTPException(413, f"{where} has {len(text):,} characters, over the limit "
                                     f"of {settings.max_text_chars:,}")
        total += len(text)
    if total > settings.max_request_chars:
        raise HTTPException(413, f"{field} has {total:,} characters in all, over the limit of "
                                 f"{settings.max_request_chars:,} per request; split it into "
                                 "several requests")
    return texts


def check_tokens(request: Request, texts: list[str], field: str) -> list[str]:
    """Analysis answers one record per token: bound the tokens of one request."""
    limit = request.app.state.settings.max_request_tokens
    total = 0
    for text in texts:
        total += sum(1 for _ in TOKEN.finditer(text))
        if total > limit:
            raise HTTPException(413, f"{field} has over {limit:,} tokens (words and "
                                     "punctuation), the limit for analysis per request; "
                                     "send shorter or fewer texts")
    return texts


def serving(request: Request, task: str) -> tuple[Any, Any]:
    """The holder and scheduler that answer ``task``: the main model's, or those of another
    model served beside it (an index's, for `/v1/search`)."""
    state = request.app.state
    return state.served.get(task, (state.holder, state.scheduler))


def served_tasks(request: Request) -> list[str]:
    state = request.app.state
    return [*state.holder.current.predictor.tasks, *state.served]


async def run_task(request: Request, task: str, texts: list[Any],
                   params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Rows in the order of ``texts`` (or records); an input the model could not run is a
    422. ``params``: the task's parameters, already checked."""
    state = request.app.state
    holder, scheduler = serving(request, task)
    if task not in holder.current.predictor.tasks:
        raise HTTPException(422, f"this model cannot do {task!r} (it can do "
                                 f"{', '.join(served_tasks(request))})")
    try:
        rows = await asyncio.wait_for(scheduler.predict(task, texts, params),
                                      state.settings.timeout_s)
    except TimeoutError:
        raise HTTPException(504, f"prediction took over {state.settings.timeout_s:g} s; the "
                                 "rest of the request's work was dropped") from None
    except Overloaded as busy:
        raise HTTPException(503, str(busy),
                            headers={"Retry-After": str(busy.retry_after)}) from None
    except WorkerDied as died:
        raise HTTPException(500, str(died)) from None
    for row in rows:
        if row.get("error"):
            raise HTTPException(422, row["error"])
    for observer in state.observers:  # drift window, review queue: a hand-over, no work
        observer.observe(task, texts, rows)
    return rows
