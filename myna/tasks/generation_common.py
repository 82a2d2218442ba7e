"""Shared by the generating tasks (summarization, text generation): running ``generate`` on
length-grouped batches with a seed that makes sampling repeatable."""

from __future__ import annotations

from typing import Any

from myna.models.hf_batches import in_length_order

GENERATE_BATCH = 8


def generate(model: Any, features: list[dict[str, list[int]]], options: dict[str, Any],
             left_pad: bool, seed: int | None) -> list[list[int]]:
    """New token ids per input. With a seed each input is generated on its own after
    seeding, so the same seed gives the same text whatever else is in the batch."""
    import torch

    tok = model.tokenizer
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id

    def run(batch: list[dict[str, list[int]]]) -> list[list[int]]:
        width = max(len(f["input_ids"]) for f in batch)
        ids, mask = [], []
        for f in batch:
            fill = [pad] * (width - len(f["input_ids"]))
            zeros = [0] * len(fill)
            ones = [1] * len(f["input_ids"])
            ids.append(fill + f["input_ids"] if left_pad else f["input_ids"] + fill)
            mask.append(zeros + ones if left_pad else ones + zeros)
        if seed is not None:
            torch.manual_seed(seed)
        with torch.inference_mode(), model.autocast():
            out = model.obj.generate(input_ids=torch.tensor(ids).to(model.device),
                                     attention_mask=torch.tensor(mask).to(model.device),
                                     pad_token_id=pad, **options)
        start = width if model.obj.config.is_encoder_decoder is False else 0
        return [[t for t in row[start:].tolist() if t != pad] for row in out]

    lengths = [len(f["input_ids"]) for f in features]
    size = 1 if seed is not None and options.get("do_sample") else GENERATE_BATCH
    return in_length_order(features, lengths, size, run)


def sampling_options(params: dict[str, Any]) -> dict[str, Any]:
    options: dict[str, Any] = {"max_new_tokens": params["max_new_tokens"],
                               "do_sample": params["do_sample"]}
    if params["do_sample"]:
        options.update(temperature=params["temperature"], top_k=params["top_k"],
                       top_p=params["top_p"])
    return options
