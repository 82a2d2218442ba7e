"""``text-generation`` (``generate``): a continuation of a prompt from a causal language model
such as GPT-2 (``POST /v1/text-generation``): greedy by default; sampling with temperature,
top-k and top-p; a seed makes sampling repeatable. A prompt longer than the model's window
keeps its last tokens (the documented policy: the continuation depends on the end)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from myna.tasks.base import PIPELINES, Task
from myna.tasks.generation_common import generate, sampling_options
from myna.tasks.params import Param
from myna.tasks.registry import register_task

SAMPLING = (
    Param("max_new_tokens", int, 20, "tokens to generate", minimum=1, maximum=2048),
    Param("do_sample", bool, False, "sample instead of taking the likeliest token"),
    Param("temperature", float, 1.0, "sampling temperature", minimum=0.01, maximum=10),
    Param("top_k", int, 50, "sample from the k likeliest tokens", minimum=0),
    Param("top_p", float, 1.0, "sample from the smallest set with this probability",
          minimum=0.01, maximum=1),
    Param("seed", int, None, "the same seed gives the same text"),
)


@register_task
class TextGeneration(Task):
    name = "text-generation"
    aliases = ("generate",)
    summary = "Continue a prompt (greedy or sampled)"
    app_page = PIPELINES
    sample = "Natural language processing is"
    order = 70
    model_kinds = ("transformers",)
    output = pa.schema([("generated_text", pa.string()), ("new_text", pa.string())])
    params = SAMPLING

    def accepts(self, model: Any) -> bool:
        return getattr(model, "head", None) == "text-generation"

    def run(self, model: Any, inputs: list[str],
            params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        params = params or self.check_params(None)
        keep = max(1, model.window - params["max_new_tokens"])
        features = []
        for text in inputs:
            ids = model.tokenizer(text, add_special_tokens=False)["input_ids"][-keep:]
            features.append({"input_ids": ids or [model.tokenizer.eos_token_id]})
        new = generate(model, features, sampling_options(params), left_pad=True,
                       seed=params["seed"])
        rows = []
        for text, ids in zip(inputs, new, strict=True):
            continuation = model.tokenizer.decode(ids, skip_special_tokens=True)
            rows.append({"generated_text": text + continuation, "new_text": continuation})
        return rows
