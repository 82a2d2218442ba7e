"""``embed`` (``feature-extraction``): a sentence embedding per text from a
sentence-transformers encoder (the bundled MiniLM by default) or a bare Hugging Face encoder
(mean of its token states) (``POST /v1/embed``)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from myna.tasks.base import Task
from myna.tasks.registry import register_task


@register_task
class Embedding(Task):
    name = "embed"
    aliases = ("feature-extraction", "sentence-embedding")
    summary = "Sentence embeddings"
    order = 50
    model_kinds = ("sentence-transformers", "transformers")

    def accepts(self, model: Any) -> bool:
        return model.kind == "sentence-transformers" or (
            getattr(model, "head", None) == "feature-extraction")
    output = pa.schema([("embedding", pa.list_(pa.float32()))])

    def forward(self, model: Any, inputs: list[str]) -> list[list[float]]:
        return model.encode(inputs)

    def postprocess(self, model: Any, outputs: list[list[float]]) -> list[dict[str, Any]]:
        return [{"embedding": vector} for vector in outputs]
