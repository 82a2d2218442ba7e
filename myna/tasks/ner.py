"""``ner`` (``token-classification``): named entities with character offsets
(``POST /v1/ner``), from a spaCy pipeline or a Hugging Face token classifier
(`myna.tasks.hf_tokens`)."""

from __future__ import annotations

from typing import Any, ClassVar

import pyarrow as pa

from myna.models.base import LoadedModel
from myna.tasks.base import Task
from myna.tasks.registry import register_task
from myna.text.columns import BOOK_ENTITY, ENTITY

NER = frozenset({"ner"})


def entity(ent: Any) -> dict[str, Any]:
    return {"text": ent.text, "start_char": ent.start_char, "end_char": ent.end_char,
            "label": ent.label_, "kb_id": ent.kb_id_ or None}


@register_task
class NamedEntities(Task):
    name = "ner"
    aliases: ClassVar[tuple[str, ...]] = ("token-classification",)
    summary = "Named entities with offsets"
    order = 10
    output = pa.schema([("entities", pa.list_(ENTITY))])
    table_output = pa.schema([("entities", pa.list_(BOOK_ENTITY))])  # the book's columns
    app_page = ("NER: base vs custom", "myna.app.views.ner:render")
    evaluator: ClassVar[str | None] = "myna.evaluate.entities:EntityEvaluator"
    trainer: ClassVar[str | None] = "myna.train.task_training:NerTraining"
    trains_base_component: ClassVar[bool] = True  # new labels go into the base's `ner`

    def spacy_component(self, exclusive: bool = True) -> str | None:
        return "ner"

    def accepts(self, model: LoadedModel) -> bool:
        if model.kind == "spacy":
            return bool(model.components_for(NER))  # type: ignore[attr-defined]
        return getattr(model, "head", None) == "token-classification"

    def disabled(self, model: Any) -> list[str]:
        return model.not_needed(model.components_for(NER)) if model.kind == "spacy" else []

    def forward(self, model: Any, inputs: list[str]) -> list[Any]:
        """spaCy docs (the app and `link` use them), or entity records (Hugging Face)."""
        if model.kind == "spacy":
            return model.pipe(inputs, self.disabled(model))
        from myna.tasks.hf_tokens import entities

        return entities(model, inputs)

    def postprocess(self, model: LoadedModel, outputs: list[Any]) -> list[dict[str, Any]]:
        if model.kind == "spacy":
            return [{"entities": [entity(e) for e in doc.ents]} for doc in outputs]
        return [{"entities": found} for found in outputs]
