"""Analysis results as flat rows (the book's schema); their Arrow types are in `columns`."""

from __future__ import annotations

from typing import Any

import spacy

from myna.core.example import Example
from myna.text.columns import TOKEN_FEATURES, arrow_schema

__all__ = ["analysis_row", "arrow_schema"]


def _char_spans(ex: Example, spans: list[tuple[int, int]]) -> list[dict[str, Any]]:
    return [{"text": ex.text[s:e], "start_char": s, "end_char": e} for s, e in spans]


def analysis_row(ex: Example, features: frozenset[str]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for key in ("row", "line"):
        if key in ex.meta:
            row[key] = ex.meta[key]
    row["text"] = ex.text
    if "ner" in features:
        row["entities"] = [{**ent, "kb_id": ent.get("kb_id")} for ent in ex.entities()]
    if features & TOKEN_FEATURES and ex.tokens is not None:
        row["tokens"] = [
            {"text": t.text, "start_char": t.start, "end_char": t.end, "pos": t.pos,
             "pos_explain": spacy.explain(t.pos) or "", "tag": t.tag, "dep": t.dep,
             "head": t.head, "lemma": t.lemma, "is_stop": t.is_stop}
            for t in ex.tokens
        ]
    if "noun_chunks" in features and ex.noun_chunks is not None:
        row["noun_chunks"] = _char_spans(ex, ex.noun_chunks)
    if "sents" in features and ex.sents is not None:
        row["sents"] = _char_spans(ex, ex.sents)
    return row
