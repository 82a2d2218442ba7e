"""``link``: entities linked to a knowledge base (``kb_id``), for a model with entities served
with ``--kb`` (``POST /v1/link``)."""

from __future__ import annotations

from typing import Any, ClassVar

from myna.models.base import LoadedModel
from myna.tasks.ner import NamedEntities
from myna.tasks.registry import register_task


@register_task
class LinkedEntities(NamedEntities):
    name = "link"
    aliases: ClassVar[tuple[str, ...]] = ()
    summary = "Entities linked to the knowledge base (kb_id)"
    order = 30
    table_output = None  # batch tables keep kb_id (ner's drop it: the book's columns)
    needs_kb = True
    evaluator: ClassVar[str | None] = None  # scored as `ner`; links have no gold format yet
    has_app_page = False  # the Analysis page links entities when the app has a KB

    def accepts(self, model: LoadedModel) -> bool:
        return model.linker is not None and model.kind == "spacy" and super().accepts(model)

    def warm_up(self, model: LoadedModel) -> None:
        model.linker.prepare()

    def postprocess(self, model: LoadedModel, outputs: list[Any]) -> list[dict[str, Any]]:
        from myna.text.docs import doc_to_example

        examples = [doc_to_example(doc, frozenset({"ner"})) for doc in outputs]
        return [{"entities": [{**e, "kb_id": e.get("kb_id")} for e in ex.entities()]}
                for ex in model.linker.link(examples)]
