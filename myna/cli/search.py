"""`myna search INDEX "query"`: the closest entries of a vector index."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from myna.core.console import console
from myna.core.errors import InputError


def search_command(
    index: Path = typer.Argument(..., help="An index folder (`myna index build`)."),
    query: str | None = typer.Argument(None, help="What to look for."),
    k: int = typer.Option(10, "-k", "--k", help="Hits to return."),
    filters: list[str] = typer.Option([], "--filter", metavar="FIELD=VALUE",
                                      help="Only entries whose metadata matches."),
    like_id: str | None = typer.Option(None, "--like-id", help="More like this entry."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per hit."),
    ef_search: int | None = typer.Option(None, "--ef-search", help="Approximate search "
                                         "breadth (higher: better recall, slower; default: "
                                         "the index's)."),
) -> None:
    """Search by meaning; filters apply during the search."""
    from myna.models import load
    from myna.search.exact import check_ef, check_k, parse_filters, search, vector_of

    if (query is None) == (like_id is None):
        raise InputError("give a QUERY or --like-id, not both or neither")
    if query is not None and not query.strip():
        raise InputError("the query is empty")
    check_k(k)
    check_ef(ef_search)
    model: Any = load(str(index))
    if model.kind != "vector-index":
        raise InputError(f"{index} is a {model.kind} model, not an index")
    store = model.obj
    wanted = parse_filters(filters, store.meta_columns)
    vectors = (vector_of(store, like_id)[None, :] if like_id is not None
               else model.encode([query]))
    hits = search(store, vectors, k, wanted, exclude=[like_id], ef_search=ef_search)[0]
    if as_json:
        for hit in hits:
            console.print(json.dumps(hit.to_dict(), ensure_ascii=False), soft_wrap=True)
        return
    table = Table(title=f"{len(hits)} hit(s)", title_justify="left")
    for col in ("#", "id", "score", "text", *store.meta_columns):
        table.add_column(col, overflow="fold")
    for n, hit in enumerate(hits, start=1):
        table.add_row(str(n), hit.id, f"{hit.score:.3f}", hit.text[:200],
                      *[str(hit.meta.get(c) or "") for c in store.meta_columns])
    console.print(table)
