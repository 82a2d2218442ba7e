"""What each batch task adds to a row, as Arrow types (Spark's DDL is derived from them), and
the model that computes it: a `Predictor` for spaCy tasks, a sentence encoder for ``embed``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from myna.errors import InputError
from myna.text.records import ENTITY, arrow_schema

BATCH_TASKS = ("ner", "textcat", "analyze", "link", "embed")
ERROR_COLUMN = "error"

_ENTITY = pa.struct([f for f in ENTITY if f.name != "kb_id"])  # the book's NER schema


def result_fields(task: str, features: frozenset[str] = frozenset()) -> list[pa.Field]:
    """The columns ``task`` adds (before ``error``); ``features`` only matter for analyze."""
    if task == "ner":
        return [pa.field("entities", pa.list_(_ENTITY))]
    if task == "link":
        return [pa.field("entities", pa.list_(ENTITY))]
    if task == "textcat":
        return [pa.field("cats", pa.map_(pa.string(), pa.float64())),
                pa.field("label", pa.string()), pa.field("score", pa.float64())]
    if task == "embed":
        return [pa.field("embedding", pa.list_(pa.float32()))]
    return [f for f in arrow_schema(features, None) if f.name != "text"]


def result_schema(task: str, features: frozenset[str] = frozenset()) -> pa.Schema:
    return pa.schema([*result_fields(task, features), pa.field(ERROR_COLUMN, pa.string())])


def spark_ddl(schema: pa.Schema) -> str:
    """``a array<struct<...>>, b map<string,double>`` for a pandas UDF's return type."""
    return ", ".join(f"`{f.name}` {_ddl(f.type)}" for f in schema)


def _ddl(t: pa.DataType) -> str:
    if pa.types.is_struct(t):
        return "struct<" + ",".join(f"{f.name}:{_ddl(f.type)}" for f in t) + ">"
    if pa.types.is_map(t):
        return f"map<{_ddl(t.key_type)},{_ddl(t.item_type)}>"
    if pa.types.is_list(t):
        return f"array<{_ddl(t.value_type)}>"
    names = {pa.string(): "string", pa.int32(): "int", pa.int64(): "bigint",
             pa.float32(): "float", pa.float64(): "double", pa.bool_(): "boolean"}
    return names[t]


class BatchModel:
    """``predict(texts)``: one dict per text with the task's columns and ``error``; a text that
    cannot be run gets ``None`` results and its reason in ``error``."""

    task: str
    schema: pa.Schema

    def predict(self, texts: Sequence[Any]) -> list[dict[str, Any]]:
        raise NotImplementedError


@dataclass
class SpacyTaskModel(BatchModel):
    predictor: Any  # myna.text.predictor.Predictor
    task: str

    def __post_init__(self) -> None:
        self.task = self.predictor.check_task(self.task)
        self.schema = result_schema(self.task, self.predictor.features)
        self._columns = [f.name for f in self.schema]

    def predict(self, texts: Sequence[Any]) -> list[dict[str, Any]]:
        rows = self.predictor.predict(texts, self.task, errors="row")
        return [_only(row, self._columns) for row in rows]


def _only(row: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    if row.get(ERROR_COLUMN):
        return {c: row[ERROR_COLUMN] if c == ERROR_COLUMN else None for c in columns}
    return {c: row.get(c) for c in columns}


@dataclass
class EmbedModel(BatchModel):
    """Sentence embeddings (the bundled MiniLM unless ``--model`` names another encoder)."""

    encoder: Any  # sentence_transformers.SentenceTransformer
    max_chars: int
    batch_size: int = 64
    task: str = "embed"

    def __post_init__(self) -> None:
        self.schema = result_schema("embed")

    def predict(self, texts: Sequence[Any]) -> list[dict[str, Any]]:
        from myna.text.predictor import checked_text

        ready: list[str] = []
        out: list[dict[str, Any]] = []
        for i, value in enumerate(texts):
            try:
                text = checked_text(value, f"text #{i}", self.max_chars)
            except InputError as err:
                out.append({"embedding": None, ERROR_COLUMN: str(err)})
            else:
                ready.append(text)
                out.append({"embedding": len(ready) - 1, ERROR_COLUMN: None})
        vectors = (self.encoder.encode(ready, batch_size=self.batch_size,
                                       show_progress_bar=False) if ready else [])
        for row in out:
            if row["embedding"] is not None:
                row["embedding"] = vectors[row["embedding"]].tolist()
        return out
