"""Worker processes run one per core; their math libraries must not start threads of their
own, or the workers' thread pools fight over the same cores (about 6% slower NER here)."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager


def one_thread_per_process() -> None:
    """In a worker: limit OpenBLAS/OpenMP pools (loaded already, so env vars are too late)
    and torch's."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)


def single_threaded_forks() -> AbstractContextManager:
    """In the parent, around forking workers: they start with single-thread pools (measured
    faster than limiting them after the fork); the parent's limits come back on exit."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)
