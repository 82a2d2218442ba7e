"""An ordered process pool: run ``fn`` over items in worker processes and yield the results
in input order, holding at most ``2 * n_process`` items in flight (memory stays flat however
long the input). Used by `analyze` and the local batch engine."""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

from myna.core.processes import stop_pool
from myna.core.threads import single_threaded_forks

T = TypeVar("T")
R = TypeVar("R")


def start_method() -> str:
    """fork where the platform has it (workers inherit a loaded model for free), else spawn."""
    return "fork" if "fork" in mp.get_all_start_methods() else "spawn"


def ordered_map(fn: Callable[..., R], items: Iterable[T], n_process: int,
                initializer: Callable[..., None], initargs: tuple[Any, ...] = (),
                method: str | None = None,
                args_of: Callable[[T], tuple[Any, ...]] | None = None,
                ) -> Iterator[tuple[T, R]]:
    """(item, ``fn(*args_of(item))``) in input order; ``args_of`` picks what crosses to the
    worker (default: the item itself). ``fn`` and ``initializer`` must be picklable
    (module-level functions); stopping (Ctrl+C, SIGTERM) or a failure ends the workers."""
    pending: deque[tuple[T, Future[R]]] = deque()
    it = iter(items)
    with single_threaded_forks(), ProcessPoolExecutor(
            max_workers=n_process, mp_context=mp.get_context(method or start_method()),
            initializer=initializer, initargs=initargs) as pool:
        try:
            while True:
                while len(pending) < 2 * n_process:
                    item = next(it, None)
                    if item is None:
                        break
                    args = args_of(item) if args_of else (item,)
                    pending.append((item, pool.submit(fn, *args)))
                if not pending:
                    return
                item, future = pending.popleft()
                yield item, future.result()
        except BaseException:
            stop_pool(pool)
            raise
