"""``analyze``: tokens, POS, dependencies, lemmas, noun chunks, sentences and entities, in the
book's schema; the columns depend on what the pipeline computes (``POST /v1/analyze``)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from myna.models.base import LoadedModel
from myna.tasks.base import Task
from myna.tasks.registry import register_task
from myna.text.columns import arrow_schema


@register_task
class Analysis(Task):
    name = "analyze"
    summary = "Tokens, POS, dependencies, lemmas, noun chunks, sentences, entities"
    order = 40
    counts_tokens = True  # one record per token: REST bounds the tokens of a request
    app_page = ("Analysis", "myna.app.views.analysis:render")

    def output_schema(self, model: LoadedModel | None = None) -> pa.Schema | None:
        if model is None:
            return None
        return arrow_schema(model.features, None)  # type: ignore[attr-defined]

    def table_schema(self, model: LoadedModel | None = None) -> pa.Schema | None:
        schema = self.output_schema(model)
        return None if schema is None else pa.schema([f for f in schema if f.name != "text"])

    def disabled(self, model: Any) -> list[str]:
        return []

    def forward(self, model: Any, inputs: list[str]) -> list[Any]:
        return model.pipe(inputs, [])

    def postprocess(self, model: Any, outputs: list[Any]) -> list[dict[str, Any]]:
        from myna.text.docs import doc_to_example
        from myna.text.records import analysis_row

        return [analysis_row(doc_to_example(doc, model.features), model.features)
                for doc in outputs]
