"""Run a spaCy pipeline over texts in worker processes, returning light `Example` records.

spaCy's own ``nlp.pipe(n_process=N)`` ships every finished ``Doc`` back to the parent as
serialized bytes and rebuilds it there; on two cores the parent then competes with the
workers and the pipeline runs slower than on one process. Here each worker converts its
docs to `Example` records itself, so only offsets and labels cross the process boundary.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from itertools import islice

from spacy.language import Language

from myna.core.example import Example
from myna.core.pool import ordered_map, start_method
from myna.core.processes import worker_started
from myna.text.docs import doc_to_example

_worker_nlp: Language | None = None
_worker_features: frozenset[str] = frozenset()


def _init_worker(nlp: Language | None, features: frozenset[str]) -> None:
    global _worker_nlp, _worker_features
    worker_started()  # SIGTERM ends it; it ends with the parent
    if nlp is not None:  # spawn start method: the pipeline arrives pickled
        _worker_nlp = nlp
    _worker_features = features
    from myna.core.threads import one_thread_per_process

    one_thread_per_process()


def _run_chunk(chunk: list[Example], batch_size: int = 256) -> list[Example]:
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
    method = start_method()
    if method == "fork":
        _worker_nlp = nlp  # inherited by the forked workers without pickling
    init_nlp = None if method == "fork" else nlp
    it = iter(examples)
    chunks = iter(lambda: list(islice(it, chunk_size)), [])
    run = functools.partial(_run_chunk, batch_size=batch_size)
    for _, done in ordered_map(run, chunks, n_process, _init_worker, (init_nlp, features),
                               method):
        yield from done
