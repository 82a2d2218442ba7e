"""Approximate search per segment with FAISS's HNSW graph (chosen by measurement over usearch:
faster queries at the same recall, and filters applied during the graph search through an
`IDSelector`; BENCHMARKS.md, search-engine-choice). Deleted entries and metadata filters are
the same selector. A filter that leaves few candidates is searched exactly instead: HNSW
loses recall when most of the graph is excluded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

M = 32  # graph neighbours per node
EF_CONSTRUCTION = 100
EF_SEARCH = 64  # default search breadth: recall@10 1.000 on the 100k probe, 0.76 at 1M
MAX_EF = 4096
EXACT_BELOW = 2_000  # allowed candidates under which a filtered search goes exact
ANN_FROM = 10_000  # --engine auto: entries from which an index is approximate


def build(vectors: np.ndarray) -> Any:
    import faiss

    index = faiss.IndexHNSWFlat(vectors.shape[1], M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = EF_CONSTRUCTION
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def save(index: Any, path: Path) -> None:
    import faiss

    faiss.write_index(index, str(path))


def load(path: Path) -> Any:
    import faiss

    return faiss.read_index(str(path))


def search(index: Any, queries: np.ndarray, k: int, allowed: np.ndarray,
           ef: int = EF_SEARCH) -> tuple[np.ndarray, np.ndarray] | None:
    """(scores, rows) of the k best allowed rows per query, -inf/-1 where fewer exist; None
    when the caller should search exactly (too few rows allowed). ``ef``: how many
    candidates the graph search keeps (higher: better recall, slower)."""
    import faiss

    n = int(allowed.sum())
    if n == 0:
        return np.full((len(queries), k), -np.inf), np.full((len(queries), k), -1)
    if n < min(EXACT_BELOW, allowed.size):
        return None
    params = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]  # not in the stubs
    params.efSearch = max(ef, k)
    if n < allowed.size:
        bits = np.packbits(allowed.astype(np.uint8), bitorder="little")
        params.sel = faiss.IDSelectorBitmap(allowed.size, faiss.swig_ptr(bits))
        params._bits = bits  # keep the bitmap alive while the search runs
    scores, rows = index.search(np.ascontiguousarray(queries, dtype=np.float32), k,
                                params=params)
    scores = np.where(rows < 0, -np.inf, scores)
    return scores, rows
