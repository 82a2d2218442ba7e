"""Running a Hugging Face model over many inputs the way a server and a batch job need:
inputs grouped by length (little padding), bounded by a token budget as well as a count, in
the caller's order afterwards, and a batch that runs out of memory split in two and retried
instead of failing the whole call (transformers#5983, #15177 are the crashes this avoids)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
MAX_BATCH_TOKENS = 16_384  # padded tokens per forward pass: bounds memory on long inputs


def length_batches(lengths: Sequence[int], max_batch: int,
                   max_tokens: int = MAX_BATCH_TOKENS) -> list[list[int]]:
    """Indices of the inputs, shortest first, cut into batches of at most ``max_batch``
    inputs and ``max_tokens`` padded tokens (length of the longest × inputs)."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        longest = lengths[i]  # sorted: the newcomer is the longest so far
        if current and (len(current) + 1 > max_batch or longest * (len(current) + 1) > max_tokens):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def is_out_of_memory(err: BaseException) -> bool:
    return "out of memory" in str(err).lower() or type(err).__name__ == "OutOfMemoryError"


def split_on_oom(run: Callable[[list[T]], list[R]], items: list[T]) -> list[R]:
    """``run(items)``; when it runs out of memory, the halves one after the other (down to
    single items, whose failure is raised)."""
    try:
        return run(items)
    except (RuntimeError, MemoryError) as err:
        if not is_out_of_memory(err) or len(items) <= 1:
            raise
        _free_cache()
        half = len(items) // 2
        return split_on_oom(run, items[:half]) + split_on_oom(run, items[half:])


def _free_cache() -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def in_length_order(items: Sequence[T], lengths: Sequence[int], max_batch: int,
                    run: Callable[[list[T]], list[R]],
                    max_tokens: int = MAX_BATCH_TOKENS) -> list[R]:
    """``run`` over length-grouped batches of ``items``; results in the order of ``items``."""
    out: list[Any] = [None] * len(items)
    for batch in length_batches(lengths, max_batch, max_tokens):
        for i, result in zip(batch, split_on_oom(run, [items[i] for i in batch]), strict=True):
            out[i] = result
    return out
