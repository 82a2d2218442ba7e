"""``textcat``: category scores, the top label and its score (``POST /v1/classify``)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from myna.models.base import LoadedModel
from myna.tasks.base import Task
from myna.tasks.registry import register_task
from myna.tasks.schemas import optional

TEXTCAT_PIPES = ("textcat", "textcat_multilabel")


def categories(cats: dict[str, float]) -> dict[str, Any]:
    cats = {k: float(v) for k, v in cats.items()}
    label = max(cats, key=cats.__getitem__) if cats else None
    return {"cats": cats, "label": label, "score": cats.get(label, 0.0) if label else 0.0}


@register_task
class Categories(Task):
    name = "textcat"
    summary = "Category scores"
    order = 20
    route = "/v1/classify"
    output = pa.schema([("cats", pa.map_(pa.string(), pa.float64())),
                        optional("label", pa.string()), ("score", pa.float64())])
    pyfunc_names = {"cats": "predictions"}  # as MLflow's spaCy flavor names them
    app_page = ("Text classification", "myna.app.views.classify:render")
    evaluator = "myna.evaluate.categories:CategoryEvaluator"

    def accepts(self, model: LoadedModel) -> bool:
        return model.kind == "spacy" and bool(set(TEXTCAT_PIPES) & set(model.obj.pipe_names))

    def disabled(self, model: Any) -> list[str]:
        return model.not_needed(model.textcat_components)

    def forward(self, model: Any, inputs: list[str]) -> list[Any]:
        return model.pipe(inputs, self.disabled(model))

    def postprocess(self, model: LoadedModel, outputs: list[Any]) -> list[dict[str, Any]]:
        return [categories(doc.cats) for doc in outputs]
