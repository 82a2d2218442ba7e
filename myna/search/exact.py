"""Cosine search over an index's segments: exact (brute force), or through each segment's HNSW
graph when the index is approximate (`myna.search.ann`); metadata filters apply to the
candidates before the top k is taken (not after: faiss#3124), and deleted entries are never
returned."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from myna.core.errors import InputError
from myna.search.store import ID, TEXT, IndexStore, Segment

MAX_K = 1000


@dataclass
class Hit:
    id: str
    score: float
    text: str
    meta: dict[str, str | None]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "score": self.score, "text": self.text, "meta": self.meta}


def parse_filters(items: list[str] | dict[str, str] | None,
                  columns: list[str]) -> dict[str, str]:
    """``["category=Sports"]`` (or a dict) → ``{"category": "Sports"}``; fields must be
    metadata columns of the index."""
    if not items:
        return {}
    pairs = items.items() if isinstance(items, dict) else (
        tuple(i.split("=", 1)) if "=" in i else (i, None) for i in items)
    out = {}
    for key, value in pairs:
        if value is None:
            raise InputError(f"filter {key!r} is not FIELD=VALUE")
        if key not in columns:
            raise InputError(f"unknown filter field {key!r}; the index's metadata fields: "
                             f"{', '.join(columns) or 'none'}")
        out[key] = value
    return out


def check_k(k: int) -> int:
    if k < 1 or k > MAX_K:
        raise InputError(f"k must be between 1 and {MAX_K} (got {k})")
    return k


def check_ef(ef: int | None) -> int | None:
    from myna.search.ann import MAX_EF

    if ef is not None and not 1 <= ef <= MAX_EF:
        raise InputError(f"ef_search must be between 1 and {MAX_EF} (got {ef})")
    return ef


def _mask(store: IndexStore, segment: Segment, filters: dict[str, str]) -> np.ndarray:
    mask = store.live_mask(segment)
    for key, value in filters.items():
        equal = pc.fill_null(pc.equal(segment.rows.column(key), pa.scalar(value)), False)
        mask &= equal.to_numpy(zero_copy_only=False)
    return mask


def _exact(queries: np.ndarray, vectors: np.ndarray, mask: np.ndarray,
           take: int) -> tuple[np.ndarray, np.ndarray]:
    scores = queries @ np.asarray(vectors).T
    scores[:, ~mask] = -np.inf
    take = min(take, scores.shape[1])
    rows = np.argpartition(-scores, take - 1, axis=1)[:, :take]
    return np.take_along_axis(scores, rows, axis=1), rows


def search(store: IndexStore, queries: np.ndarray, k: int,
           filters: dict[str, str] | None = None,
           exclude: list[str | None] | None = None, exact: bool = False,
           ef_search: int | None = None) -> list[list[Hit]]:
    """The k best live entries per query vector (rows normalised); ``exclude[i]``: an id
    query i must not return (more-like-this leaves out the entry itself); ``exact``: brute
    force even where a segment has a graph (recall checks); ``ef_search``: the graph
    search's breadth (default: the index's)."""
    from myna.search import ann

    check_k(k)
    filters = filters or {}
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    best: list[list[tuple[float, int, int]]] = [[] for _ in range(len(queries))]
    for s, segment in enumerate(store.segments):
        mask = _mask(store, segment, filters)
        if not mask.any():
            continue
        from_graph = None
        if segment.ann is not None and not exact:
            from_graph = ann.search(segment.ann, queries, k + 1, mask,
                                    ef_search or store.ef_search)
        scores, rows = (from_graph if from_graph is not None
                        else _exact(queries, segment.vectors, mask, k + 1))
        for q in range(len(queries)):
            best[q] += [(float(sc), s, int(r)) for sc, r in zip(scores[q], rows[q], strict=True)
                        if np.isfinite(sc) and r >= 0]
    out = []
    for q, found in enumerate(best):
        found.sort(key=lambda t: -t[0])
        hits = []
        for score, s, r in found:
            row = store.segments[s].rows.slice(r, 1).to_pylist()[0]
            if exclude and exclude[q] is not None and row[ID] == exclude[q]:
                continue
            hits.append(Hit(row[ID], score, row[TEXT],
                            {c: row.get(c) for c in store.meta_columns}))
            if len(hits) == k:
                break
        out.append(hits)
    return out


def vector_of(store: IndexStore, entry_id: str) -> np.ndarray:
    """The stored vector of a live entry (more like this)."""
    for segment in store.segments:
        dead = store.deleted.get(segment.name, set())
        for r, i in enumerate(segment.ids):
            if i == entry_id and i not in dead:
                return np.asarray(segment.vectors[r])
    raise InputError(f"no entry with id {entry_id!r} in the index")


TARGET_RECALL = 0.95
MOST_EF = 512  # where breadth tuning stops (1M vectors: ~290 queries/s, recall@10 0.98)


def _sample(store: IndexStore, sample: int, seed: int) -> tuple[np.ndarray, list[set[str]]]:
    """Up to ``sample`` of the index's own entries as queries, and their exact top 10s."""
    rng = np.random.default_rng(seed)
    vectors = [np.asarray(s.vectors)[store.live_mask(s)] for s in store.segments]
    pool = np.vstack([v for v in vectors if len(v)])
    queries = pool[rng.choice(len(pool), min(sample, len(pool)), replace=False)]
    truth = search(store, queries, min(10, store.count), exact=True)
    return queries, [{h.id for h in hits} for hits in truth]


def _recall(store: IndexStore, queries: np.ndarray, truth: list[set[str]], ef: int) -> float:
    k = min(10, store.count)
    found = search(store, queries, k, ef_search=ef)
    return float(np.mean([len({h.id for h in hits} & ids) / k
                          for hits, ids in zip(found, truth, strict=True)]))


def settle_breadth(store: IndexStore, target: float = TARGET_RECALL, sample: int = 200) -> None:
    """Measure an approximate index's recall@10 on its own entries and, unless the build
    pinned the breadth (``--ef-search``), double it from the default until the sample reaches
    ``target`` (at most `MOST_EF`): big graphs need a wider search for the same recall.
    Sets ``store.ef_search`` and ``store.recall_at_10``."""
    from myna.search import ann

    if store.engine != "ann" or store.count == 0:
        store.recall_at_10 = None
        return
    queries, truth = _sample(store, sample, 0)
    pinned = store.build.get("ef_search")
    ef = int(pinned or ann.EF_SEARCH)
    recall = _recall(store, queries, truth, ef)
    while not pinned and recall < target and ef < MOST_EF:
        ef *= 2
        recall = _recall(store, queries, truth, ef)
    store.ef_search, store.recall_at_10 = ef, recall
