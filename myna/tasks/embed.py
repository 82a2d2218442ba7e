"""``embed``: a sentence embedding per text from a sentence-transformers encoder (the bundled
MiniLM by default) (``POST /v1/embed``)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from myna.tasks.base import Task
from myna.tasks.registry import register_task


@register_task
class Embedding(Task):
    name = "embed"
    summary = "Sentence embeddings"
    order = 50
    model_kinds = ("sentence-transformers",)
    output = pa.schema([("embedding", pa.list_(pa.float32()))])

    def forward(self, model: Any, inputs: list[str]) -> list[list[float]]:
        return model.encode(inputs)

    def postprocess(self, model: Any, outputs: list[list[float]]) -> list[dict[str, Any]]:
        return [{"embedding": vector} for vector in outputs]
