"""`/v1/ner`, `/v1/classify`, `/v1/analyze`, `/v1/link`: Myna's own JSON API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request

from myna.serve.routes.common import ERRORS, check_texts, check_tokens, run_task
from myna.serve.schemas import AnalysisOut, CategoriesOut, EntitiesOut, TextsIn

router = APIRouter(prefix="/v1", responses=ERRORS)


def _texts(request: Request, body: TextsIn) -> list[str]:
    if (body.text is None) == (body.texts is None):
        raise HTTPException(422, "send exactly one of 'text' (a string) or 'texts' (a list)")
    if body.text is not None:
        return check_texts(request, [body.text], "text")
    return check_texts(request, body.texts, "texts")


async def _answer(request: Request, task: str, body: TextsIn,
                  texts: list[str] | None = None) -> dict[str, Any]:
    rows = await run_task(request, task, texts or _texts(request, body))
    loaded = request.app.state.holder.current
    for row in rows:
        row.pop("error", None)  # None: run_task refuses rows with an error
    return {"model": loaded.source, "version": loaded.version, "results": rows}


@router.post("/ner", response_model=EntitiesOut, summary="Named entities with offsets")
async def ner(request: Request, body: TextsIn) -> dict[str, Any]:
    return await _answer(request, "ner", body)


@router.post("/classify", response_model=CategoriesOut, summary="Category scores")
async def classify(request: Request, body: TextsIn) -> dict[str, Any]:
    return await _answer(request, "textcat", body)


@router.post("/analyze", response_model=AnalysisOut,
             summary="Tokens, POS, dependencies, lemmas, noun chunks, sentences, entities")
async def analyze(request: Request, body: TextsIn) -> dict[str, Any]:
    texts = check_tokens(request, _texts(request, body), "text" if body.text else "texts")
    return await _answer(request, "analyze", body, texts)


@router.post("/link", response_model=EntitiesOut,
             summary="Entities linked to the knowledge base (kb_id)")
async def link(request: Request, body: TextsIn) -> dict[str, Any]:
    return await _answer(request, "link", body)
