"""Any model that can do ``textcat`` or ``ner`` (a Hugging Face classifier, a zero-shot
classifier, a token classifier) as a spaCy pipeline whose one component sets ``doc.cats`` or
``doc.ents`` from the task's answers, so `myna evaluate` and `myna compare` score it with
spaCy's scorer like a trained pipeline. In memory only: it is never saved.

(No ``from __future__ import annotations``: spaCy reads the factory's annotations.)"""

from collections.abc import Iterable
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from myna.models.classifier_component import BufferedComponent

FACTORY = "myna_task_answers"


class TaskAnswers(BufferedComponent):
    """Runs ``task`` of ``predictor`` over batches of docs and writes its answers."""

    batch_size = 256

    def __init__(self, name: str):
        self.name = name
        self.predictor: Any = None
        self.task = "textcat"
        self.exclusive = True

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self.predictor.labels.get(self.task, []))

    def _predict(self, docs: list[Doc]) -> list[Doc]:
        rows = self.predictor.predict([d.text for d in docs], self.task)
        for doc, row in zip(docs, rows, strict=True):
            if "cats" in row:
                doc.cats = dict(row["cats"])
            if "entities" in row:
                spans = [doc.char_span(e["start_char"], e["end_char"], label=e["label"],
                                       alignment_mode="expand") for e in row["entities"]]
                doc.set_ents([s for s in spans if s is not None], default="outside")
        return docs

    def score(self, examples: Iterable[Any], **kwargs: Any) -> dict[str, Any]:
        from myna.evaluate.evaluator import evaluator_for

        return evaluator_for(self.task).score_answers(list(examples), list(self.labels),
                                                      self.exclusive)


@Language.factory(FACTORY)
def _make(nlp: Language, name: str) -> TaskAnswers:
    return TaskAnswers(name)


def as_pipeline(loaded: Any, task: str) -> Language:
    """``loaded`` (a `LoadedModel`) answering ``task`` (``textcat`` or ``ner``) as a pipeline
    whose component is named as spaCy names it (``textcat`` for exclusive classes,
    ``textcat_multilabel``, ``ner``)."""
    import spacy

    from myna.tasks import Predictor

    predictor = Predictor(loaded)
    name = predictor.check_task(task)
    nlp = spacy.blank("en")
    exclusive = not getattr(loaded, "multi_label", False)
    component: Any = nlp.add_pipe(FACTORY, name=predictor.task(name).spacy_component(exclusive))
    component.predictor, component.task, component.exclusive = predictor, name, exclusive
    return nlp
