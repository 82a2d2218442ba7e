"""The index folder: an append-only set of segments (vectors, ids, texts, metadata), a
tombstone list of deleted ids, and ``manifest.json`` naming the live ones.

Every update writes new files first and then replaces the manifest in one rename, so a crash
(even SIGKILL) at any point leaves the previous manifest, and with it the previous index,
loadable; files no manifest names are removed by the next update. Adding needs no capacity
declared up front (faiss#3339, hnswlib#4); deleting marks ids (tombstones) and `compact`
rewrites the segments without them."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from myna.core.atomic import atomic_path
from myna.core.errors import InputError
from myna.search.ann import EF_SEARCH

MANIFEST = "manifest.json"
FORMAT = 1
ID, TEXT = "id", "text"


@dataclass
class Segment:
    name: str
    vectors: np.ndarray  # float32, rows normalised
    rows: pa.Table  # id, text, metadata columns
    ann: Any = None  # its HNSW graph (`myna.search.ann`) when the index is approximate

    @cached_property
    def ids(self) -> list[str]:
        """Computed once: segments never change (live masks and lookups read it)."""
        return self.rows.column(ID).to_pylist()


@dataclass
class IndexStore:
    """An index loaded from its folder (or built in memory, then `save`d)."""

    path: Path
    encoder: dict[str, Any]  # {"ref": …, "checksum": …}
    dim: int
    segments: list[Segment] = field(default_factory=list)
    deleted: dict[str, set[str]] = field(default_factory=dict)  # segment → its deleted ids
    meta_columns: list[str] = field(default_factory=list)
    build: dict[str, Any] = field(default_factory=dict)
    metric: str = "cosine"
    engine: str = "exact"  # what searches run on: exact, or ann (HNSW graphs per segment)
    recall_at_10: float | None = None  # of the approximate engine, measured at build
    ef_search: int = EF_SEARCH  # the graph search's breadth by default (`settle_breadth`)

    # reading -----------------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path) -> IndexStore:
        path = Path(path)
        try:
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError("not a Myna index (no manifest.json)", where=str(path)) from None
        except ValueError as err:
            raise InputError(f"manifest.json is not valid JSON: {err}", where=str(path)) from None
        if manifest.get("format") != FORMAT:
            raise InputError(f"index format {manifest.get('format')!r}; this Myna reads "
                             f"format {FORMAT}", where=str(path))
        store = cls(path, manifest["encoder"], int(manifest["dim"]),
                    deleted={k: set(v) for k, v in manifest.get("deleted", {}).items()},
                    meta_columns=list(manifest.get("meta_columns", [])),
                    build=dict(manifest.get("build", {})), metric=manifest.get("metric", "cosine"),
                    engine=manifest.get("engine", "exact"),
                    recall_at_10=manifest.get("recall_at_10"),
                    ef_search=int(manifest.get("ef_search") or EF_SEARCH))
        for name in manifest["segments"]:
            vectors = np.load(path / f"{name}.npy", mmap_mode="r")
            segment = Segment(name, vectors, pq.read_table(path / f"{name}.parquet"))
            if (path / f"{name}.hnsw").exists():
                from myna.search import ann

                segment.ann = ann.load(path / f"{name}.hnsw")
            store.segments.append(segment)
        return store

    @property
    def count(self) -> int:
        """Live entries (deleted ones left out)."""
        return sum(len(s.rows) - len(self.deleted.get(s.name, ())) for s in self.segments)

    def live_mask(self, segment: Segment) -> np.ndarray:
        """Rows of ``segment`` not deleted; cached until the next delete (every search asks)."""
        masks = self.__dict__.setdefault("_masks", {})
        if segment.name not in masks:
            dead = self.deleted.get(segment.name)
            masks[segment.name] = (np.ones(len(segment.rows), dtype=bool) if not dead else
                                   np.array([i not in dead for i in segment.ids], dtype=bool))
        return masks[segment.name].copy()  # callers narrow it by filters

    def live_ids(self) -> set[str]:
        return {i for s in self.segments for i in s.ids
                if i not in self.deleted.get(s.name, ())}

    def manifest(self) -> dict[str, Any]:
        return {"format": FORMAT, "encoder": self.encoder, "dim": self.dim,
                "metric": self.metric, "normalised": True, "count": self.count,
                "segments": [s.name for s in self.segments],
                "deleted": {k: sorted(v) for k, v in self.deleted.items() if v},
                "meta_columns": self.meta_columns, "build": self.build, "engine": self.engine,
                "recall_at_10": self.recall_at_10, "ef_search": self.ef_search}

    # changing ---------------------------------------------------------------------------
    def add(self, ids: list[str], texts: list[str], vectors: np.ndarray,
            meta: dict[str, list[Any]] | None = None) -> None:
        """A new segment; an id already live is an error (delete it first)."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if len(set(ids)) != len(ids):
            raise InputError("the new entries repeat an id")
        clash = sorted(set(ids) & self.live_ids())
        if clash:
            raise InputError(f"id(s) already in the index: {', '.join(clash[:5])}"
                             + (" …" if len(clash) > 5 else ""))
        if vectors.shape != (len(ids), self.dim):
            raise InputError(f"vectors of shape {vectors.shape}, expected ({len(ids)}, "
                             f"{self.dim})")
        meta = meta or {}
        unknown = sorted(set(meta) - set(self.meta_columns)) if self.segments else []
        if unknown:
            raise InputError(f"metadata column(s) {', '.join(unknown)} not in the index "
                             f"(it has {', '.join(self.meta_columns) or 'none'})")
        if not self.segments:
            self.meta_columns = list(meta)
        columns = {ID: ids, TEXT: texts,
                   **{c: [None if v is None else str(v) for v in meta.get(c, [None] * len(ids))]
                      for c in self.meta_columns}}
        rows = pa.table({k: pa.array(v, pa.string()) for k, v in columns.items()})
        self.segments.append(Segment(f"seg-{uuid.uuid4().hex[:12]}",
                                     normalised(vectors), rows))
        self.choose_engine()

    def delete(self, ids: list[str]) -> int:
        """Tombstones for the live entries with these ids; how many there were."""
        wanted, found = set(ids), 0
        self.__dict__.pop("_masks", None)
        for segment in self.segments:
            dead = self.deleted.setdefault(segment.name, set())
            hit = (wanted & set(segment.ids)) - dead
            dead |= hit
            found += len(hit)
        return found

    def compacted(self) -> None:
        """One segment without the deleted rows."""
        if not self.segments:
            return
        keep_vectors, keep_rows = [], []
        for segment in self.segments:
            mask = self.live_mask(segment)
            keep_vectors.append(np.asarray(segment.vectors)[mask])
            keep_rows.append(segment.rows.filter(pa.array(mask)))
        rows = pa.concat_tables(keep_rows)
        self.segments = [Segment(f"seg-{uuid.uuid4().hex[:12]}", np.vstack(keep_vectors), rows)]
        self.deleted = {}
        self.__dict__.pop("_masks", None)
        self.choose_engine()

    def choose_engine(self) -> None:
        """``build["engine"]``: exact, ann, or auto (ann from `ann.ANN_FROM` entries); every
        segment of an approximate index gets its graph."""
        from myna.search import ann

        wanted = self.build.get("engine", "auto")
        self.engine = ("ann" if wanted == "ann" or (wanted == "auto" and self.count >= ann.ANN_FROM)
                       else "exact")
        for segment in self.segments:
            if self.engine == "ann" and segment.ann is None:
                segment.ann = ann.build(np.asarray(segment.vectors))
            elif self.engine == "exact":
                segment.ann = None

    def save(self) -> None:
        """New segment files, then the manifest in one rename; then unreferenced files go."""
        self.path.mkdir(parents=True, exist_ok=True)
        for segment in self.segments:
            npy, parquet = self.path / f"{segment.name}.npy", self.path / f"{segment.name}.parquet"
            if npy.exists() and parquet.exists():
                continue  # written by an earlier update: segments never change
            with atomic_path(npy) as tmp, open(tmp, "wb") as f:
                np.save(f, np.asarray(segment.vectors, dtype=np.float32))
            with atomic_path(parquet) as tmp:
                pq.write_table(segment.rows, tmp)
        for segment in self.segments:
            graph = self.path / f"{segment.name}.hnsw"
            if segment.ann is not None and not graph.exists():
                from myna.search import ann

                with atomic_path(graph) as tmp:
                    ann.save(segment.ann, tmp)
        with atomic_path(self.path / MANIFEST) as tmp:
            tmp.write_text(json.dumps(self.manifest(), indent=2) + "\n", encoding="utf-8")
        live = {f"{s.name}{ext}" for s in self.segments for ext in (".npy", ".parquet")}
        live |= {f"{s.name}.hnsw" for s in self.segments if s.ann is not None}
        for file in self.path.glob("seg-*"):
            if file.name not in live:
                file.unlink(missing_ok=True)


def normalised(vectors: Any) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32)
    return array / np.maximum(np.linalg.norm(array, axis=1, keepdims=True), 1e-12)
