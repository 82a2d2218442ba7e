"""Padding token-id lists into tensors, and length-grouped batches (little padding)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any


def batch_tensors(rows: list[list[int]], pad_id: int) -> tuple[Any, Any]:
    """(batch, longest) ids padded with ``pad_id``, and each row's length."""
    import torch

    lengths = torch.tensor([len(r) for r in rows], dtype=torch.long)
    ids = torch.full((len(rows), int(lengths.max())), pad_id, dtype=torch.long)
    for i, row in enumerate(rows):
        ids[i, :len(row)] = torch.tensor(row, dtype=torch.long)
    return ids, lengths


def length_batches(lengths: list[int], batch_size: int, rng: random.Random,
                   ) -> Iterator[list[int]]:
    """Indices in batches of similar length, the batches in random order."""
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], rng.random()))
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    rng.shuffle(batches)
    yield from batches
