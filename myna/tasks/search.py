"""``search``: the k entries of a vector index closest in meaning to a query, with metadata
filters applied during the search (``POST /v1/search`` with ``{"query", "k", "filters"}``)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from myna.search.ann import MAX_EF
from myna.search.exact import MAX_K
from myna.tasks.base import Task
from myna.tasks.params import Param
from myna.tasks.registry import register_task

HIT = pa.struct([("id", pa.string()), ("score", pa.float64()), ("text", pa.string()),
                 ("meta", pa.map_(pa.string(), pa.string()))])


@register_task
class Search(Task):
    name = "search"
    aliases = ("semantic-search",)
    summary = "Entries of an index closest in meaning to a query"
    app_page = ("Search", "myna.app.views.search:render")
    sample = {"query": "stocks fell"}
    order = 80
    model_kinds = ("vector-index",)
    input = pa.schema([("query", pa.string())])
    output = pa.schema([("hits", pa.list_(HIT))])
    params = (Param("k", int, 10, "hits per query", minimum=1, maximum=MAX_K),
              Param("filters", list, None, "FIELD=VALUE items the hits must match"),
              Param("ef_search", int, None, "approximate search breadth (higher: better "
                    "recall, slower; default: the index's)", minimum=1, maximum=MAX_EF))

    def run(self, model: Any, inputs: list[dict[str, str]],
            params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        from myna.search.exact import parse_filters, search

        params = params or self.check_params(None)
        store = model.obj
        filters = parse_filters(params["filters"], store.meta_columns)
        if not inputs:
            return []
        vectors = model.encode([r["query"] for r in inputs])
        return [{"hits": [h.to_dict() for h in hits]}
                for hits in search(store, vectors, params["k"], filters,
                                   ef_search=params["ef_search"])]
