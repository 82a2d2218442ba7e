"""Worker processes run one per core; their math libraries must not start threads of their
own, or the workers' thread pools fight over the same cores (about 6% slower NER here)."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager

_budget: int | None = None  # threads this process may use, for libraries set up later


def set_thread_budget(n: int | None) -> None:
    """Before loading a model in a worker: libraries that size their own pools when a model
    loads (ONNX Runtime's sessions) read it (`thread_budget`)."""
    global _budget
    _budget = n


def thread_budget() -> int | None:
    return _budget


def one_thread_per_process() -> None:
    """In a worker: limit OpenBLAS/OpenMP pools (loaded already, so env vars are too late)
    and torch's."""
    limit_threads(1)


def limit_threads(n: int) -> None:
    """At most ``n`` threads in each math library loaded so far (BLAS, OpenMP: FAISS's
    among them, and torch's)."""
    from threadpoolctl import threadpool_limits

    set_thread_budget(n)
    threadpool_limits(n)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)


def threads_per_copy(copies: int) -> int:
    """The cores each of ``copies`` worker processes may use: their math libraries share the
    machine instead of each starting a thread per core (about 4× the requests/s of a served
    sentence encoder on 2 cores with 2 workers; BENCHMARKS.md, search-scale)."""
    import os

    return max(1, (os.cpu_count() or 1) // max(1, copies))


def single_threaded_forks() -> AbstractContextManager:
    """In the parent, around forking workers: they start with single-thread pools (measured
    faster than limiting them after the fork); the parent's limits come back on exit."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)
