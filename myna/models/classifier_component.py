"""What Myna's own spaCy text-classifier components share (the fine-tuned transformer, the
from-scratch models, the exported ONNX one): docs predicted a buffer at a time (each
component's ``_predict`` groups a buffer by length or batches it inside), categories set from
a probability row per doc, and spaCy's category scorer."""

from collections.abc import Iterable, Iterator
from typing import Any

from spacy.tokens import Doc
from spacy.training import Example


class BufferedComponent:
    buffer = 1  # docs handed to ``_predict`` together, at least
    batch_size: int

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        batch: list[Doc] = []
        size = max(batch_size or self.batch_size, self.buffer)
        for doc in docs:
            batch.append(doc)
            if len(batch) >= size:
                yield from self._predict(batch)
                batch = []
        if batch:
            yield from self._predict(batch)

    def _predict(self, docs: list[Doc]) -> list[Doc]:
        raise NotImplementedError


class CategoryComponent(BufferedComponent):
    exclusive: bool
    _labels: list[str]

    def set_cats(self, docs: list[Doc], probabilities: Any) -> list[Doc]:
        for doc, row in zip(docs, probabilities.tolist(), strict=True):
            doc.cats = dict(zip(self._labels, row, strict=True))
        return docs

    def score(self, examples: Iterable[Example], **kwargs) -> dict:
        from spacy.scorer import Scorer

        return Scorer.score_cats(examples, "cats", labels=self._labels,
                                 multi_label=not self.exclusive,
                                 threshold=0.0 if self.exclusive else 0.5)
