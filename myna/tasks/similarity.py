"""``sentence-similarity`` (``similarity``): the cosine similarity of two texts from a sentence
encoder, the bundled MiniLM by default (``POST /v1/sentence-similarity`` with
``{"text", "text_pair"}``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from myna.tasks.base import PIPELINES, Task
from myna.tasks.registry import register_task


@register_task
class SentenceSimilarity(Task):
    name = "sentence-similarity"
    aliases = ("similarity",)
    summary = "Cosine similarity of two texts"
    app_page = PIPELINES
    sample = {"text": "Stocks fell sharply.", "text_pair": "Shares dropped a lot."}
    order = 55
    model_kinds = ("sentence-transformers", "transformers")
    input = pa.schema([("text", pa.string()), ("text_pair", pa.string())])
    output = pa.schema([("similarity", pa.float64())])

    def accepts(self, model: Any) -> bool:
        return model.kind == "sentence-transformers" or (
            getattr(model, "head", None) == "feature-extraction")

    def run(self, model: Any, inputs: list[dict[str, str]],
            params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        if not inputs:
            return []
        vectors = np.asarray(model.encode([r["text"] for r in inputs]
                                          + [r["text_pair"] for r in inputs]), dtype=np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        n = len(inputs)
        return [{"similarity": float(vectors[i] @ vectors[n + i])} for i in range(n)]
