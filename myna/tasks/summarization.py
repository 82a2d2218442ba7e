"""``summarization``: a summary per text from a sequence-to-sequence model (BART, T5, …)
(``POST /v1/summarization``). A text longer than the encoder's window is cut to its first
tokens (the documented policy; ``truncated`` says when it happened); T5's ``summarize:``
prefix is added when the model's config names one."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from myna.tasks.base import PIPELINES, Task
from myna.tasks.generation_common import generate
from myna.tasks.params import Param
from myna.tasks.registry import register_task


@register_task
class Summarization(Task):
    name = "summarization"
    summary = "Summaries"
    app_page = PIPELINES
    order = 65
    model_kinds = ("transformers",)
    output = pa.schema([("summary", pa.string()), ("truncated", pa.bool_())])
    params = (Param("max_new_tokens", int, 60, "longest summary, in tokens", minimum=1,
                    maximum=1024),
              Param("min_new_tokens", int, 0, "shortest summary, in tokens", minimum=0),
              Param("num_beams", int, 1, "beam search width (1: greedy)", minimum=1,
                    maximum=16))

    def accepts(self, model: Any) -> bool:
        return getattr(model, "head", None) == "summarization"

    def run(self, model: Any, inputs: list[str],
            params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        params = params or self.check_params(None)
        task_params = getattr(model.config, "task_specific_params", None) or {}
        prefix = (task_params.get("summarization") or {}).get("prefix", "")
        full = model.tokenizer([prefix + t for t in inputs])["input_ids"]
        cut = model.tokenizer([prefix + t for t in inputs], truncation=True,
                              max_length=model.window)["input_ids"]
        options = {"max_new_tokens": params["max_new_tokens"], "num_beams": params["num_beams"],
                   "min_new_tokens": min(params["min_new_tokens"], params["max_new_tokens"]),
                   "do_sample": False}
        new = generate(model, [{"input_ids": ids} for ids in cut], options, left_pad=False,
                       seed=None)
        return [{"summary": model.tokenizer.decode(ids, skip_special_tokens=True).strip(),
                 "truncated": len(f) > len(c)} for ids, f, c in zip(new, full, cut, strict=True)]
