"""Running a Hugging Face model over many inputs: tokenising without padding,
padding per length-grouped batch, and running the model without gradients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from myna.models.hf_batches import in_length_order

MAX_BATCH = 64  # sequences per forward pass (length grouping keeps padding small)


def collate(model: Any, features: list[dict[str, list[int]]]) -> dict[str, Any]:
    """Right-padded tensors of a batch of tokenised inputs."""
    import torch

    width = max(len(f["input_ids"]) for f in features)
    pad = model.tokenizer.pad_token_id or 0
    out: dict[str, Any] = {}
    for key in features[0]:
        if key not in ("input_ids", "attention_mask", "token_type_ids"):
            continue
        fill = pad if key == "input_ids" else 0
        out[key] = torch.tensor([f[key] + [fill] * (width - len(f[key])) for f in features])
    if "attention_mask" not in out:
        out["attention_mask"] = torch.tensor(
            [[1] * len(f["input_ids"]) + [0] * (width - len(f["input_ids"])) for f in features])
    return out


def forward_batches(model: Any, features: list[dict[str, list[int]]],
                    take: Callable[[Any, dict[str, Any]], list[Any]],
                    max_batch: int = MAX_BATCH) -> list[Any]:
    """``take(outputs, batch)`` → one result per input, for every input, in input order; the
    model runs on length-grouped batches (`myna.models.hf_batches`)."""

    def run(batch: list[dict[str, list[int]]]) -> list[Any]:
        encoded = collate(model, batch)
        return take(model(encoded), encoded)

    lengths = [len(f["input_ids"]) for f in features]
    return in_length_order(features, lengths, max_batch, run)


def tokenised(model: Any, texts: list[str], pairs: list[str] | None = None,
              max_length: int | None = None) -> list[dict[str, list[int]]]:
    """Token ids per text (or text pair), cut to the model's window: the documented policy
    for classification (the first tokens are kept: a document's lead carries its topic)."""
    encoded = model.tokenizer(texts, pairs, truncation=True,
                              max_length=max_length or model.window)
    keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in encoded]
    return [{k: encoded[k][i] for k in keys} for i in range(len(texts))]


def class_probabilities(model: Any, texts: list[str], pairs: list[str] | None = None,
                        max_length: int | None = None, multi: bool | None = None,
                        ) -> np.ndarray:
    """Probabilities per class (softmax; sigmoid for a multi-label head, or ``multi``)."""
    if not texts:
        return np.zeros((0, len(model.label_names)), dtype=np.float32)
    if multi is None:
        multi = model.multi_label

    def take(outputs: Any, _: dict[str, Any]) -> list[Any]:
        logits = outputs.logits.float()
        probs = logits.sigmoid() if multi else logits.softmax(-1)
        return list(probs.cpu().numpy())

    return np.stack(forward_batches(model, tokenised(model, texts, pairs, max_length), take,
                                    model.batch_size or MAX_BATCH))


def cats_of(model: Any, probs: np.ndarray) -> list[dict[str, float]]:
    names = model.label_names
    return [dict(zip(names, map(float, row), strict=True)) for row in probs]


def mean_pooled(model: Any, texts: list[str]) -> list[list[float]]:
    """Sentence vectors of a bare encoder: the mean of its token states (padding left out)."""
    if not texts:
        return []

    def take(outputs: Any, batch: dict[str, Any]) -> list[Any]:
        mask = batch["attention_mask"].to(outputs.last_hidden_state.device).unsqueeze(-1)
        summed = (outputs.last_hidden_state.float() * mask).sum(1)
        return list((summed / mask.sum(1).clamp(min=1)).cpu().numpy())

    vectors = forward_batches(model, tokenised(model, texts), take,
                              model.batch_size or MAX_BATCH)
    return [v.tolist() for v in vectors]
