"""Shared by the prediction routes: key checks, text checks, running a task with a timeout."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import Header, HTTPException, Request

from myna.serve.auth import key_matches, presented_key
from myna.serve.schemas import ErrorOut

ERRORS = {code: {"model": ErrorOut} for code in (400, 401, 413, 422, 504)}


def require_key(request: Request, authorization: str | None = Header(None),
                x_api_key: str | None = Header(None)) -> None:
    keys = request.app.state.settings.api_keys
    if keys and not key_matches(presented_key(authorization, x_api_key), keys):
        raise HTTPException(401, "missing or wrong API key (send Authorization: Bearer KEY "
                                 "or X-API-Key: KEY)")


def check_texts(request: Request, texts: list[Any], field: str) -> list[str]:
    """Non-empty list of non-empty strings, each within the per-text limit."""
    limit = request.app.state.settings.max_text_chars
    if not texts:
        raise HTTPException(422, f"{field} is empty; send at least one text")
    for i, text in enumerate(texts):
        where = f"{field}[{i}]" if len(texts) > 1 or field.endswith("s") else field
        if not isinstance(text, str):
            raise HTTPException(422, f"{where} is a {type(text).__name__}, not a string")
        if not text.strip():
            raise HTTPException(422, f"{where} is empty")
        if len(text) > limit:
            raise HTTPException(413, f"{where} has {len(text):,} characters, over the limit "
                                     f"of {limit:,}")
    return texts


async def run_task(request: Request, task: str, texts: list[str]) -> list[dict[str, Any]]:
    state = request.app.state
    predictor = state.holder.current.predictor
    if task not in predictor.tasks:
        raise HTTPException(422, f"this model cannot do {task!r} (it can do "
                                 f"{', '.join(predictor.tasks)})")
    try:
        return await asyncio.wait_for(state.batcher.predict(task, texts), state.settings.timeout_s)
    except TimeoutError:
        raise HTTPException(504, f"prediction took over {state.settings.timeout_s:g} s") from None
