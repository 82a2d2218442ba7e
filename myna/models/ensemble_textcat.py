"""Several text classifiers as one spaCy component (`myna models ensemble`): each member
pipeline classifies the text and ``doc.cats`` is the weighted mean of their probabilities.
The members are kept inside the component (`myna.models.ensemble_members`)."""

# no `from __future__ import annotations`: spaCy reads the factory's types
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from myna.core.errors import ModelNotFoundError
from myna.models.classifier_component import CategoryComponent
from myna.models.ensemble_members import MemberPipelines

FACTORY = "myna_ensemble_textcat"


def member_labels(nlp: Any) -> list[str]:
    """The categories a member pipeline assigns (its text classifier's labels)."""
    for name, component in nlp.pipeline:
        if "doc.cats" in nlp.get_pipe_meta(name).assigns:
            return list(component.labels)
    raise ModelNotFoundError("this pipeline has no text classifier (nothing sets doc.cats)")


class EnsembleTextClassifier(MemberPipelines, CategoryComponent):
    buffer = 256

    def __init__(self, name: str, exclusive: bool, weights: list[float], batch_size: int):
        self.name, self.exclusive, self.batch_size = name, exclusive, batch_size
        self.weights = list(weights)
        self.members: list[Any] = []
        self._labels: list[str] = []

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self._labels)

    def _common_labels(self, members: list[Any]) -> list[str]:
        labels = [member_labels(m) for m in members]
        if any(sorted(lab) != sorted(labels[0]) for lab in labels):
            raise ModelNotFoundError(f"the members classify into different labels: {labels}")
        return list(labels[0])

    def member_probabilities(self, texts: list[str]) -> list[Any]:
        """Each member's (texts, labels) probabilities, in this component's label order."""
        import numpy as np

        return [np.array([[doc.cats.get(label, 0.0) for label in self._labels]
                          for doc in member.pipe(texts, batch_size=self.batch_size)])
                for member in self.members]

    def _predict(self, docs: list[Doc]) -> list[Doc]:
        scores = self.member_probabilities([d.text for d in docs])
        total = sum(self.weights)
        mixed = sum(w * s for w, s in zip(self.weights, scores, strict=True)) / total
        return self.set_cats(docs, mixed)


@Language.factory(FACTORY, assigns=["doc.cats"],
                  default_config={"exclusive": True, "weights": [0.5, 0.5], "batch_size": 64})
def make_ensemble_textcat(nlp: Language, name: str, exclusive: bool, weights: list[float],
                          batch_size: int) -> EnsembleTextClassifier:
    return EnsembleTextClassifier(name, exclusive, weights, batch_size)
