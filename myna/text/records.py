"""Analysis results as flat rows (the book's schema) and their Arrow schema for Parquet."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import spacy

from myna.data.example import Example
from myna.text.features import TOKEN_FEATURES


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


_CHAR_SPAN = pa.struct([("text", pa.string()), ("start_char", pa.int32()),
                        ("end_char", pa.int32())])
ENTITY = pa.struct([("text", pa.string()), ("start_char", pa.int32()),
                     ("end_char", pa.int32()), ("label", pa.string()), ("kb_id", pa.string())])
_TOKEN = pa.struct([("text", pa.string()), ("start_char", pa.int32()), ("end_char", pa.int32()),
                    ("pos", pa.string()), ("pos_explain", pa.string()), ("tag", pa.string()),
                    ("dep", pa.string()), ("head", pa.int32()), ("lemma", pa.string()),
                    ("is_stop", pa.bool_())])


def arrow_schema(features: frozenset[str], id_column: str | None) -> pa.Schema:
    fields = [(id_column, pa.int64())] if id_column else []
    fields.append(("text", pa.string()))
    if "ner" in features:
        fields.append(("entities", pa.list_(ENTITY)))
    if features & TOKEN_FEATURES:
        fields.append(("tokens", pa.list_(_TOKEN)))
    if "noun_chunks" in features:
        fields.append(("noun_chunks", pa.list_(_CHAR_SPAN)))
    if "sents" in features:
        fields.append(("sents", pa.list_(_CHAR_SPAN)))
    return pa.schema(fields)
