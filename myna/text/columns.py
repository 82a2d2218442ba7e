"""Arrow types of analysis results (the book's schema), free of spaCy so that task schemas,
the CLI and Spark drivers can name columns without loading a pipeline."""

from __future__ import annotations

import pyarrow as pa

from myna.text.features import TOKEN_FEATURES

CHAR_SPAN = pa.struct([("text", pa.string()), ("start_char", pa.int32()),
                       ("end_char", pa.int32())])
# kb_id: null unless a knowledge base linked the entity
ENTITY = pa.struct([("text", pa.string()), ("start_char", pa.int32()),
                    ("end_char", pa.int32()), ("label", pa.string()),
                    pa.field("kb_id", pa.string(), metadata={b"myna.optional": b"1"})])
BOOK_ENTITY = pa.struct([f for f in ENTITY if f.name != "kb_id"])  # the book's NER columns
TOKEN = pa.struct([("text", pa.string()), ("start_char", pa.int32()), ("end_char", pa.int32()),
                   ("pos", pa.string()), ("pos_explain", pa.string()), ("tag", pa.string()),
                   ("dep", pa.string()), ("head", pa.int32()), ("lemma", pa.string()),
                   ("is_stop", pa.bool_())])


def arrow_schema(features: frozenset[str], id_column: str | None) -> pa.Schema:
    fields = [(id_column, pa.int64())] if id_column else []
    fields.append(("text", pa.string()))
    if "ner" in features:
        fields.append(("entities", pa.list_(ENTITY)))
    if features & TOKEN_FEATURES:
        fields.append(("tokens", pa.list_(TOKEN)))
    if "noun_chunks" in features:
        fields.append(("noun_chunks", pa.list_(CHAR_SPAN)))
    if "sents" in features:
        fields.append(("sents", pa.list_(CHAR_SPAN)))
    return pa.schema(fields)
