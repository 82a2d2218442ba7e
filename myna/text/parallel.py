"""Run a spaCy pipeline over texts in worker processes, returning light `Example` records.

spaCy's own ``nlp.pipe(n_process=N)`` ships every finished ``Doc`` back to the parent as
serialized bytes and rebuilds it there; on two cores the parent then competes with the
workers and the pipeline runs slower than on one process. Here each worker converts its
docs to `Example` records itself, so only offsets and labels cross the process boundary.
"""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice

from spacy.language import Language

from myna.data.example import Example
from myna.processes import stop_pool, worker_started
from myna.threads import single_threaded_forks

_worker_nlp: Language | None = None
_worker_features: frozenset[str] = frozenset()


def _init_worker(nlp: Language | None, features: frozenset[str]) -> None:
    global _worker_nlp, _worker_features
    worker_started()  # SIGTERM ends it; it ends with the parent
    if nlp is not None:  # spawn start method: the pipeline arrives pickled
        _worker_nlp = nlp
    _worker_features = features
    from myna.threads import one_thread_per_process

    one_thread_per_process()


def _run_chunk(chunk: list[Example], batch_size: int) -> list[Example]:
    from myna.text.analyze import doc_to_example

    assert _worker_nlp is not None
    docs = _worker_nlp.pipe((ex.text for ex in chunk), batch_size=batch_size)
    return [doc_to_example(doc, _worker_features, ex) for doc, ex in zip(docs, chunk, strict=True)]


def pipe_in_processes(
    nlp: Language,
    examples: Iterable[Example],
    features: frozenset[str],
    n_process: int,
    batch_size: int,
    chunk_size: int = 1000,
) -> Iterator[Example]:
    """Yield analysed examples in input order, holding at most ``2 * n_process`` chunks."""
    global _worker_nlp
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    if method == "fork":
        _worker_nlp = nlp  # inherited by the forked workers without pickling
    init_nlp = None if method == "fork" else nlp
    it = iter(examples)
    pending: deque[Future[list[Example]]] = deque()
    with single_threaded_forks(), ProcessPoolExecutor(
        max_workers=n_process,
        mp_context=mp.get_context(method),
        initializer=_init_worker,
        initargs=(init_nlp, features),
    ) as pool:
        try:
            while True:
                while len(pending) < 2 * n_process:
                    chunk = list(islice(it, chunk_size))
                    if not chunk:
                        break
                    pending.append(pool.submit(_run_chunk, chunk, batch_size))
                if not pending:
                    return
                yield from pending.popleft().result()
        except BaseException:  # stopped (Ctrl+C, SIGTERM) or failed: end the workers now
            stop_pool(pool)
            raise
