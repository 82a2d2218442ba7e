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


class TokenTagger(BufferedComponent):
    """A token classifier over spaCy's own tokens (each token a "word" of the sub-word
    model, tagged from its first sub-word) that sets ``doc.ents`` from BIO tags. Subclasses
    give ``_logits(encoding)``: (chunks, sub-words, tags) scores, from PyTorch or ONNX."""

    tokenizer: Any
    _labels: list[str]  # the BIO tags, in the model's output order
    window: int  # sub-words per chunk
    decode: str = "greedy"  # how tags are read from the scores (`myna.models.bio_decode`)
    shapes: Any = None  # a ShapeVocab when the model also reads word shapes
    features: Any = None  # SpacyFeatures when the model also reads a spaCy pipeline's CNN

    @property
    def labels(self) -> tuple[str, ...]:
        """Entity labels, as spaCy's `ner` reports them (not the BIO tags)."""
        from myna.models.hf_words import OUTSIDE

        return tuple(sorted({t.split("-", 1)[1] for t in self._labels if t != OUTSIDE}))

    def _logits(self, encoding: Any) -> Any:
        raise NotImplementedError

    def tag_scores(self, docs: list[Doc]) -> tuple[list[Any], Any, Any]:
        """The chunks the docs were cut into, their encoding and the model's scores."""
        from myna.models.hf_words import chunk_words, encode_chunks

        chunks = chunk_words(self.tokenizer, [[t.text for t in d] for d in docs], self.window)
        if not chunks:
            return chunks, None, None
        encoding = encode_chunks(self.tokenizer, chunks, self.window, padding=True)
        if self.shapes is not None:
            import torch

            encoding["shape_ids"] = torch.tensor([
                self.shapes.subword_ids(c.words, encoding.word_ids(k))
                for k, c in enumerate(chunks)])
        if self.features is not None:
            encoding["word_features"] = self._word_features(docs, chunks, encoding)
        return chunks, encoding, self._logits(encoding)

    def _word_features(self, docs: list[Doc], chunks: list[Any], encoding: Any) -> Any:
        import numpy as np
        import torch

        from myna.models.spacy_features import subword_features

        per_doc = self.features.of_words([[t.text for t in d] for d in docs])
        return torch.from_numpy(np.stack([
            subword_features(per_doc[c.doc], encoding.word_ids(k), c.offset)
            for k, c in enumerate(chunks)]))

    def word_log_probs(self, docs: list[Doc]) -> list[Any]:
        """Per doc, a (tokens, tags) array of tag log-probabilities in ``_labels`` order, read
        at each token's first sub-word; NaN rows for tokens the tokenizer gave no sub-word."""
        import numpy as np

        from myna.models.bio_decode import log_softmax
        from myna.models.hf_words import first_subword_positions

        out = [np.full((len(d), len(self._labels)), np.nan) for d in docs]
        chunks, encoding, scores = self.tag_scores(docs)
        if chunks:
            scores = _as_array(scores)
            for k, chunk in enumerate(chunks):
                words = first_subword_positions(encoding.word_ids(k))
                rows = scores[k][list(words.values())].astype(np.float64)
                out[chunk.doc][[chunk.offset + w for w in words]] = log_softmax(rows)
        return out

    def _predict(self, docs: list[Doc]) -> list[Doc]:
        return set_bio_entities(docs, self.word_log_probs(docs), self._labels, self.decode)

    def score(self, examples: Iterable[Example], **kwargs) -> dict:
        from spacy.scorer import get_ner_prf

        return get_ner_prf(examples)


def set_bio_entities(docs: list[Doc], log_probs: list[Any], tags: list[str], how: str,
                     ) -> list[Doc]:
    """Set each doc's entities from its (tokens, tags) log-probabilities read by ``how``
    (`myna.models.bio_decode`); tokens with a NaN row are outside every entity."""
    import numpy as np
    from spacy.tokens import Span

    from myna.models.bio_decode import decode
    from myna.models.hf_words import OUTSIDE, tags_to_spans

    for doc, scores in zip(docs, log_probs, strict=True):
        doc_tags = [OUTSIDE] * len(doc)
        seen = np.flatnonzero(~np.isnan(scores).any(-1))
        for token, tag in zip(seen, decode(scores[seen], tags, how), strict=True):
            doc_tags[token] = tags[tag]
        doc.set_ents([Span(doc, s, e, label=label) for s, e, label in tags_to_spans(doc_tags)],
                     default="outside")
    return docs


def _as_array(scores: Any) -> Any:
    """Scores from PyTorch (possibly bf16) or ONNX Runtime as a float numpy array."""
    import numpy as np

    if hasattr(scores, "detach"):
        return scores.detach().float().cpu().numpy()
    return np.asarray(scores, dtype=np.float32)
