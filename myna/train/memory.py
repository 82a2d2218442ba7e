"""Refuse a transformer batch that cannot fit in memory before training starts, not an hour in.

Activation memory per layer follows Korthikanti et al. (2022, "Reducing Activation
Recomputation in Large Transformer Models"): s·b·h·(34 + 5·a·s/h) bytes at 16 bits, doubled
here for 32-bit training; weights, gradients and Adam's two moments add 16 bytes a parameter.
"""

from __future__ import annotations

from myna.core.errors import InputError

HEADROOM = 0.8  # share of the free memory a run may plan to use


def training_bytes(config, n_params: int, batch_size: int, seq_len: int) -> int:
    layers = getattr(config, "num_hidden_layers", 12)
    hidden = getattr(config, "hidden_size", 768)
    heads = getattr(config, "num_attention_heads", 12)
    per_layer = seq_len * batch_size * hidden * (34 + 5 * heads * seq_len / hidden) * 2
    return int(layers * per_layer + 16 * n_params)


def free_bytes() -> int:
    import torch

    if torch.cuda.is_available():
        return torch.cuda.mem_get_info()[0]
    import psutil

    return psutil.virtual_memory().available


def check_batch_fits(model, batch_size: int, seq_len: int, available: int | None = None) -> None:
    """Raise `InputError` naming a batch size that fits when this one would not."""
    available = free_bytes() if available is None else available
    n_params = sum(p.numel() for p in model.parameters())
    need = training_bytes(model.config, n_params, batch_size, seq_len)
    if need <= HEADROOM * available:
        return
    fits = batch_size
    while fits > 1 and training_bytes(model.config, n_params, fits, seq_len) > \
            HEADROOM * available:
        fits //= 2
    raise InputError(
        f"a batch of {batch_size} sequences of {seq_len} sub-words needs about "
        f"{need / 2**30:.1f} GiB to train, and {available / 2**30:.1f} GiB is free; "
        f"use --batch-size {fits} (or shorter texts)")
