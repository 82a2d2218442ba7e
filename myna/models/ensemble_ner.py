"""Several token classifiers as one spaCy `ner` component (`myna models ensemble`): each
member scores every token's BIO tags, the weighted mean of their probabilities is read into
entities (greedily or by Viterbi over valid sequences, `myna.models.bio_decode`). The members
are kept inside the component (`myna.models.ensemble_members`).

Only Myna's transformer token classifiers (`--base transformer`, PyTorch or ONNX) can be
members: spaCy's own `ner` is a transition parser and gives no per-token probabilities.
"""

# no `from __future__ import annotations`: spaCy reads the factory's types
from collections.abc import Iterable
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example

from myna.core.errors import ModelNotFoundError
from myna.models.classifier_component import BufferedComponent, TokenTagger, set_bio_entities
from myna.models.ensemble_members import MemberPipelines

FACTORY = "myna_ensemble_ner"


def member_tagger(nlp: Any) -> TokenTagger:
    """The token classifier of a member pipeline."""
    for _, component in nlp.pipeline:
        if isinstance(component, TokenTagger):
            return component
    raise ModelNotFoundError(
        f"pipeline {', '.join(nlp.pipe_names) or '(empty)'} has no transformer token "
        "classifier; an entity ensemble needs models trained with `--base transformer` "
        "(spaCy's own `ner` gives no per-token probabilities to average)")


class EnsembleEntityRecognizer(MemberPipelines, BufferedComponent):
    def __init__(self, name: str, weights: list[float], decode: str, batch_size: int):
        from myna.models.bio_decode import check_decoder

        self.name, self.batch_size = name, batch_size
        self.weights, self.decode = list(weights), check_decoder(decode)
        self.members: list[Any] = []
        self._labels: list[str] = []  # BIO tags, the first member's order

    @property
    def labels(self) -> tuple[str, ...]:
        """Entity labels, as spaCy's `ner` reports them."""
        return tuple(sorted({t.split("-", 1)[1] for t in self._labels if "-" in t}))

    def _common_labels(self, members: list[Any]) -> list[str]:
        tags = [list(member_tagger(m)._labels) for m in members]
        if any(sorted(t) != sorted(tags[0]) for t in tags):
            raise ModelNotFoundError(f"the members tag different entity labels: "
                                     f"{[sorted({x.split('-', 1)[-1] for x in t}) for t in tags]}")
        return tags[0]

    def member_log_probs(self, docs: list[Doc]) -> list[list[Any]]:
        """Per member, per doc: (tokens, tags) log-probabilities in this component's order."""
        out = []
        for member in self.members:
            tagger = member_tagger(member)
            order = [tagger._labels.index(tag) for tag in self._labels]
            out.append([scores[:, order] for scores in tagger.word_log_probs(docs)])
        return out

    def mix(self, member_scores: list[list[Any]], weights: list[float]) -> list[Any]:
        """Per doc, the log of the weighted mean probability over the members."""
        import numpy as np

        total = sum(weights)
        mixed = []
        for per_member in zip(*member_scores, strict=True):
            probs = sum(w * np.exp(s) for w, s in zip(weights, per_member, strict=True))
            with np.errstate(divide="ignore"):
                mixed.append(np.log(probs / total))
        return mixed

    def _predict(self, docs: list[Doc]) -> list[Doc]:
        mixed = self.mix(self.member_log_probs(docs), self.weights)
        return set_bio_entities(docs, mixed, self._labels, self.decode)

    def score(self, examples: Iterable[Example], **kwargs) -> dict:
        from spacy.scorer import get_ner_prf

        return get_ner_prf(examples)


@Language.factory(FACTORY, assigns=["doc.ents", "token.ent_iob", "token.ent_type"],
                  default_config={"weights": [0.5, 0.5], "decode": "greedy", "batch_size": 32})
def make_ensemble_ner(nlp: Language, name: str, weights: list[float], decode: str,
                      batch_size: int) -> EnsembleEntityRecognizer:
    return EnsembleEntityRecognizer(name, weights, decode, batch_size)
