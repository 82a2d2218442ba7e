"""``fill-mask``: the likeliest tokens for the one mask in a text (``[MASK]`` or ``<mask>``,
whatever the model's own mask token is) from a masked language model
(``POST /v1/fill-mask``). A text longer than the window keeps the tokens around the mask."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from myna.core.errors import InputError
from myna.tasks.base import PIPELINES, Task
from myna.tasks.params import Param
from myna.tasks.registry import register_task

FILLED = pa.struct([("token_str", pa.string()), ("score", pa.float64()),
                    ("sequence", pa.string())])
MASKS = ("[MASK]", "<mask>")


@register_task
class FillMask(Task):
    name = "fill-mask"
    summary = "Fill the [MASK] in a text"
    app_page = PIPELINES
    sample = "Natural language processing is a [MASK] of computer science."
    order = 75
    model_kinds = ("transformers",)
    output = pa.schema([("predictions", pa.list_(FILLED))])
    params = (Param("top_k", int, 5, "tokens to return", minimum=1, maximum=100),)

    def accepts(self, model: Any) -> bool:
        return getattr(model, "head", None) == "fill-mask"

    def run(self, model: Any, inputs: list[str],
            params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        params = params or self.check_params(None)
        rows: list[dict[str, Any]] = []
        for text in inputs:
            try:
                rows.append({"predictions": fill(model, text, params["top_k"])})
            except InputError as err:
                rows.append({"error": str(err)})
        return rows


def fill(model: Any, text: str, top_k: int) -> list[dict[str, Any]]:
    import torch

    tok = model.tokenizer
    mask = tok.mask_token
    for spelling in MASKS:
        text = text.replace(spelling, mask)
    if text.count(mask) != 1:
        raise InputError(f"a fill-mask text needs exactly one {mask} (found "
                         f"{text.count(mask)})")
    full = tok(text)["input_ids"]
    if len(full) > model.window:  # keep the tokens around the mask
        specials = set(tok.all_special_ids) - {tok.mask_token_id}
        head = next(i for i, t in enumerate(full) if t not in specials)
        tail = next(i for i, t in enumerate(reversed(full)) if t not in specials)
        body = full[head:len(full) - tail]
        room = model.window - head - tail
        at = body.index(tok.mask_token_id)
        start = max(0, min(at - room // 2, len(body) - room))
        full = full[:head] + body[start:start + room] + full[len(full) - tail:]
    position = full.index(tok.mask_token_id)
    logits = model({"input_ids": torch.tensor([full])}).logits[0, position]
    probs = logits.float().softmax(-1)
    top = probs.topk(top_k)
    out = []
    for score, token in zip(top.values.tolist(), top.indices.tolist(), strict=True):
        word = tok.decode([token]).strip()
        out.append({"token_str": word, "score": score,
                    "sequence": text.replace(mask, word, 1)})
    return out
