"""``textcat`` (``text-classification``, ``sentiment``): category scores, the top label and
its score (``POST /v1/classify``), from a spaCy pipeline with a text classifier, a Hugging Face
sequence classifier (texts longer than its window are cut to their first tokens), or a
zero-shot classifier (`myna.models.zero_shot`)."""

from __future__ import annotations

from typing import Any, ClassVar

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
    aliases: ClassVar[tuple[str, ...]] = ("text-classification", "sentiment")
    summary = "Category scores"
    order = 20
    route: ClassVar[str | None] = "/v1/classify"
    output = pa.schema([("cats", pa.map_(pa.string(), pa.float64())),
                        optional("label", pa.string()), ("score", pa.float64())])
    pyfunc_names = {"cats": "predictions"}  # as MLflow's spaCy flavor names them
    app_page: ClassVar[tuple[str, str] | None] = ("Text classification",
                                                  "myna.app.views.classify:render")
    evaluator: ClassVar[str | None] = "myna.evaluate.categories:CategoryEvaluator"
    trainer: ClassVar[str | None] = "myna.train.task_training:TextcatTraining"
    review_kind: ClassVar[str | None] = "textcat"

    def spacy_component(self, exclusive: bool = True) -> str | None:
        return "textcat" if exclusive else "textcat_multilabel"

    def accepts(self, model: LoadedModel) -> bool:
        if model.kind == "spacy":
            return bool(set(TEXTCAT_PIPES) & set(model.obj.pipe_names))
        return (model.kind == "zero-shot"
                or getattr(model, "head", None) == "text-classification")

    def disabled(self, model: Any) -> list[str]:
        return model.not_needed(model.textcat_components) if model.kind == "spacy" else []

    def forward(self, model: Any, inputs: list[str]) -> list[dict[str, float]]:
        if model.kind == "spacy":
            return [doc.cats for doc in model.pipe(inputs, self.disabled(model))]
        if model.kind == "zero-shot":
            return model.classify(inputs)
        from myna.models.hf_run import cats_of, class_probabilities

        return cats_of(model, class_probabilities(model, inputs))

    def postprocess(self, model: LoadedModel, outputs: list[Any]) -> list[dict[str, Any]]:
        return [categories(cats) for cats in outputs]

    def outcome(self, row: dict[str, Any]) -> tuple[str, float] | None:
        return (row["label"], float(row["score"])) if row.get("label") else None

    def review_guess(self, row: dict[str, Any]) -> dict[str, Any]:
        """The top label picked (the annotator confirms or changes it)."""
        return {"cats": {row["label"]: 1.0}} if row.get("label") else {}
