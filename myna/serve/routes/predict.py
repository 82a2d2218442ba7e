"""`/v1/<task>` for every registered task (`/v1/ner`, `/v1/classify`, `/v1/analyze`,
`/v1/link`, `/v1/embed`, …): Myna's own JSON API, generated from the task registry."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import create_model

from myna.serve.routes.common import ERRORS, check_texts, check_tokens, run_task
from myna.serve.schemas import ModelInfo, TextsIn
from myna.tasks import Task
from myna.tasks.schemas import pydantic_model


def _texts(request: Request, body: TextsIn) -> list[str]:
    if (body.text is None) == (body.texts is None):
        raise HTTPException(422, "send exactly one of 'text' (a string) or 'texts' (a list)")
    if body.text is not None:
        return check_texts(request, [body.text], "text")
    return check_texts(request, body.texts or [], "texts")


def response_model(task: Task) -> type:
    """``{"model", "version", "results": [one record per text]}`` with the task's columns."""
    schema = task.output_schema()
    title = "".join(p.capitalize() for p in task.name.split("_"))
    result: Any = dict[str, Any] if schema is None else pydantic_model(schema, f"{title}Result")
    return create_model(f"{title}Out", __base__=ModelInfo, results=(list[result], ...))


def _endpoint(task: Task):
    async def answer(request: Request, body: TextsIn) -> dict[str, Any]:
        texts = _texts(request, body)
        if task.counts_tokens:
            texts = check_tokens(request, texts, "text" if body.text else "texts")
        rows = await run_task(request, task.name, texts)
        loaded = request.app.state.holder.current
        for row in rows:
            row.pop("error", None)  # None: run_task refuses rows with an error
        return {"model": loaded.source, "version": loaded.version, "results": rows}

    answer.__name__ = task.name
    return answer


def task_router(tasks: Iterable[Task]) -> APIRouter:
    """One route per task (those registered when the app is built)."""
    router = APIRouter(prefix="", responses=ERRORS)
    for task in tasks:
        router.add_api_route(task.path, _endpoint(task), methods=["POST"],
                             response_model=response_model(task), summary=task.summary,
                             name=task.name, operation_id=f"task_{task.name}")
    return router
