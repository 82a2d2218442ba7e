"""`myna index build|add|delete|compact|info`: a persistent vector index of a corpus."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer

from myna.core.console import console, err_console, progress_bar
from myna.core.errors import InputError

app = typer.Typer(help="Build and update vector indexes for semantic search.",
                  no_args_is_help=True)
CHUNK = 512  # texts embedded per step
ENGINES = ("auto", "exact", "ann", "spark")

DATA = typer.Argument(..., help="CSV/TSV/JSONL/Parquet with a text column.")
COLUMN = typer.Option("text", "--column", "-c", help="Text column.")
ID_COLUMN = typer.Option(None, "--id-column", help="Id column (default: the row number).")
META = typer.Option(None, "--meta-columns", help="Comma list of columns to keep for filters.")


def _rows(data: Path, column: str, id_column: str | None, meta: list[str],
          start: int) -> tuple[list[str], list[str], dict[str, list[Any]]]:
    from myna.batch.records import read_records

    fields = {"text": column, **({"id": id_column} if id_column else {}),
              **{m: m for m in meta}}
    rows, _, _ = read_records(data, None, fields, "utf-8")
    ids: list[str] = []
    texts: list[str] = []
    metadata: dict[str, list[Any]] = {m: [] for m in meta}
    for n, (where, row) in enumerate(rows, start=start):
        if isinstance(row, InputError):
            raise InputError(str(row), where=where)
        text = row.get(column)
        if not isinstance(text, str) or not text.strip():
            raise InputError(f"no text in column {column!r}", where=where)
        ids.append(str(row[id_column]) if id_column else str(n))
        texts.append(text)
        for m in meta:
            metadata[m].append(row.get(m))
    if not texts:
        raise InputError("no rows to index", where=str(data))
    return ids, texts, metadata


def _embed(encoder: Any, texts: list[str]) -> Any:
    import numpy as np

    from myna.search.store import normalised

    parts = []
    started = time.perf_counter()
    with progress_bar() as progress:
        bar = progress.add_task("embed", total=len(texts), rate="")
        for i in range(0, len(texts), CHUNK):
            parts.append(normalised(encoder.encode(texts[i:i + CHUNK])))
            done = min(i + CHUNK, len(texts))
            rate = done / max(time.perf_counter() - started, 1e-9)
            progress.update(bar, completed=done, rate=f"{rate:.0f} texts/s")
    return np.vstack(parts)


def _embedded_on_spark(data: Path, column: str, id_column: str | None, meta: list[str],
                       encoder: str, beside: Path, master: str | None,
                       partitions: int | None) -> tuple[list[str], list[str],
                                                        dict[str, list[Any]], Any]:
    from myna.batch.embed_corpus import embed_on_spark

    with progress_bar() as progress:
        bar = progress.add_task("embed (Spark tasks)", total=None, rate="")
        corpus = embed_on_spark(
            data, column, id_column, meta, encoder, beside, master, partitions,
            lambda done, total: progress.update(bar, completed=done, total=total))
    return corpus.ids, corpus.texts, corpus.meta, corpus.vectors


@app.command("build")
def build_command(data: Path = DATA, out: Path = typer.Option(..., "--out", "-o"),
                  column: str = COLUMN, id_column: str | None = ID_COLUMN,
                  meta_columns: str | None = META,
                  encoder: str | None = typer.Option(None, "--encoder", help="Sentence "
                                                     "encoder (default: the bundled MiniLM)."),
                  engine: str = typer.Option("auto", "--engine", help="exact, ann (HNSW "
                                             "graphs), auto (ann from 10,000 entries), or "
                                             "spark: embed on Spark, then auto."),
                  master: str | None = typer.Option(None, "--master", help="Spark master for "
                                                    "--engine spark (default local[*])."),
                  partitions: int | None = typer.Option(None, "--partitions", min=1),
                  ef_search: int | None = typer.Option(
                      None, "--ef-search", min=1, max=4096, help="The approximate search's "
                      "default breadth (default: from 64, doubled until recall@10 on a sample "
                      "of the corpus reaches 0.95; higher: better recall, slower)."),
                  overwrite: bool = typer.Option(False, "--overwrite")) -> None:
    """Embed every text and write a new index folder."""
    from myna.models.index_backend import load_encoder
    from myna.search.exact import settle_breadth
    from myna.search.store import MANIFEST, IndexStore

    if (out / MANIFEST).exists() and not overwrite:
        raise InputError("an index is already there; use `myna index add`, or --overwrite",
                         where=str(out))
    if out.exists() and any(out.iterdir()) and not (out / MANIFEST).exists():
        raise InputError("the folder exists and is not an index", where=str(out))
    if engine not in ENGINES:
        raise InputError(f"--engine must be one of {', '.join(ENGINES)}")
    if (master or partitions) and engine != "spark":
        raise InputError("--master and --partitions are for --engine spark")
    meta = [m.strip() for m in (meta_columns or "").split(",") if m.strip()]
    model, entry = load_encoder(encoder)  # a missing encoder stops before any work
    started = time.perf_counter()
    build = {"source": str(data), "column": column, "engine": engine,
             **({"ef_search": ef_search} if ef_search else {})}  # pinned: not tuned
    if engine == "spark":
        ids, texts, metadata, vectors = _embedded_on_spark(
            data, column, id_column, meta, entry["location"], out.parent, master, partitions)
        build.update(engine="auto", embedded_on=f"spark ({master or 'local[*]'})")
    else:
        ids, texts, metadata = _rows(data, column, id_column, meta, 1)
        vectors = None
    if len(set(ids)) != len(ids):
        raise InputError(f"column {id_column!r} repeats ids", where=str(data))
    if vectors is None:
        vectors = _embed(model, texts)
    store = IndexStore(out, entry, int(vectors.shape[1]), meta_columns=meta, build=build)
    store.add(ids, texts, vectors, metadata)
    store.ef_search = ef_search or store.ef_search
    settle_breadth(store)
    store.save()
    recall = (f", recall@10 {store.recall_at_10:.3f} against exact search at efSearch "
              f"{store.ef_search}" if store.recall_at_10 is not None else "")
    err_console.print(f"indexed {store.count:,} texts ({store.dim} dimensions, {store.engine} "
                      f"search{recall}) in {time.perf_counter() - started:.1f}s → {out}")


@app.command("add")
def add_command(index: Path = typer.Argument(..., help="The index folder."), data: Path = DATA,
                column: str = COLUMN, id_column: str | None = ID_COLUMN) -> None:
    """Add rows (their ids must be new; metadata columns as at build)."""
    from myna.models.index_backend import check_encoder
    from myna.search.store import IndexStore

    store = IndexStore.open(index)
    encoder = check_encoder(store.encoder, None)
    ids, texts, metadata = _rows(data, column, id_column, store.meta_columns,
                                 sum(len(s.rows) for s in store.segments) + 1)
    store.add(ids, texts, _embed(encoder, texts), metadata)
    store.save()
    err_console.print(f"added {len(ids):,}; the index holds {store.count:,} → {index}")


@app.command("delete")
def delete_command(index: Path = typer.Argument(...),
                   ids: list[str] = typer.Argument(..., help="Ids to delete.")) -> None:
    """Delete entries by id (they are never returned again; `compact` reclaims the space)."""
    from myna.search.store import IndexStore

    store = IndexStore.open(index)
    found = store.delete(ids)
    store.save()
    missing = len(set(ids)) - found
    err_console.print(f"deleted {found}" + (f" ({missing} id(s) not found)" if missing else "")
                      + f"; the index holds {store.count:,}")


@app.command("compact")
def compact_command(index: Path = typer.Argument(...)) -> None:
    """Rewrite the index without its deleted entries, as one segment."""
    from myna.search.store import IndexStore

    store = IndexStore.open(index)
    store.compacted()
    from myna.search.exact import settle_breadth

    settle_breadth(store)
    store.save()
    err_console.print(f"compacted: {store.count:,} entries in 1 segment")


@app.command("info")
def info_command(index: Path = typer.Argument(...)) -> None:
    """The manifest: encoder, dimension, metric, counts, build parameters."""
    from myna.search.store import IndexStore

    store = IndexStore.open(index)
    info = {**store.manifest(), "deleted": sum(len(v) for v in store.deleted.values())}
    console.print_json(json.dumps(info))
