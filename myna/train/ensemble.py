"""Build an ensemble (`myna models ensemble`) of text classifiers or of transformer entity
recognizers, its weights given or tuned on labelled texts: a held-out slice of the training
data, never the data it will be scored on (a tuned weight is a fitted parameter like any
other). Text classifiers are tuned on macro-F1, entity recognizers on entity F1."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from myna.core.errors import InputError


@dataclass
class EnsembleReport:
    output: Path
    weights: list[float]
    metric: str = "macro-F1"  # what the tuning scores are
    tuned_on: str | None = None
    member_scores: list[float] = field(default_factory=list)  # on the tuning texts
    ensemble_score: float | None = None


def weight_grid(members: int, step: float) -> list[tuple[float, ...]]:
    """Every way to share 1 among the members in multiples of ``step``."""
    units = round(1 / step)
    return [tuple(c / units for c in combo) + ((units - sum(combo)) / units,)
            for combo in itertools.product(range(units + 1), repeat=members - 1)
            if sum(combo) <= units]


def macro_f1(probabilities: Any, gold: list[int]) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(gold, probabilities.argmax(-1), average="macro"))


def tune_weights(members: int, score: Callable[[list[float]], float], step: float,
                 ) -> tuple[list[float], float]:
    """The weights that ``score`` best (ties: the most even)."""
    best: tuple[float, float, tuple[float, ...]] | None = None
    for weights in weight_grid(members, step):
        result = score(list(weights))
        evenness = -max(weights)
        if best is None or (result, evenness) > best[:2]:
            best = (result, evenness, weights)
    assert best is not None
    return list(best[2]), best[0]


def build_ensemble(refs: list[str], output: Path, weights: list[float] | None = None,
                   tune: Path | None = None, text_column: str = "text",
                   label_column: str | None = None, step: float = 0.05,
                   decode: str | None = None) -> EnsembleReport:
    """``decode`` (entity recognizers only): how the mixed tag scores are read; by default as
    the first member reads its own."""
    import spacy

    from myna.models import spacy_location

    if len(refs) < 2:
        raise InputError("an ensemble needs two or more models")
    if weights is not None and len(weights) != len(refs):
        raise InputError(f"{len(weights)} weights for {len(refs)} models", where="--weights")
    if weights is not None and (min(weights) < 0 or sum(weights) <= 0):
        raise InputError("weights must be ≥ 0 and not all 0", where="--weights")
    members = [spacy.load(spacy_location(ref)) for ref in refs]
    kind = _kind_of(members, refs, decode)
    nlp, component = kind.pipeline(members, weights or [1.0] * len(refs))
    report = EnsembleReport(output, list(component.weights), kind.metric)
    if tune is not None:
        scores, score = kind.scorer(component, tune, text_column, label_column)
        report.member_scores = [score(scores, [float(i == k) for i in range(len(refs))])
                                for k in range(len(refs))]
        if weights is None:
            report.weights, report.ensemble_score = tune_weights(
                len(refs), lambda mix: score(scores, mix), step)
            nlp, component = kind.pipeline(members, report.weights)
        else:
            report.ensemble_score = score(scores, weights)
        report.tuned_on = str(tune)
    nlp.meta["myna"] = {"ensemble": refs, "weights": report.weights, "tuned_on": report.tuned_on}
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    return report


Scorer = Callable[[Any, list[float]], float]


class _Categories:
    metric = "macro-F1"

    def __init__(self, members: list[Any]):
        self.exclusive = not any("textcat_multilabel" in m.pipe_names for m in members)

    def pipeline(self, members: list[Any], mix: list[float]) -> tuple[Any, Any]:
        import spacy

        from myna.models.ensemble_textcat import FACTORY

        nlp = spacy.blank("en")
        # Named as spaCy's own classifiers are, so every command finds it.
        component: Any = nlp.add_pipe(FACTORY, name="textcat" if self.exclusive
                                      else "textcat_multilabel",
                                      config={"exclusive": self.exclusive, "weights": mix})
        component.set_members(members)
        return nlp, component

    def scorer(self, component: Any, tune: Path, text_column: str,
               label_column: str | None) -> tuple[Any, Scorer]:
        texts, gold = _labelled(tune, text_column, label_column, list(component.labels))

        def score(scores: list[Any], mix: list[float]) -> float:
            return macro_f1(sum(w * s for w, s in zip(mix, scores, strict=True)), gold)

        return component.member_probabilities(texts), score


class _Entities:
    metric = "entity F1"

    def __init__(self, members: list[Any], decode: str | None):
        from myna.models.bio_decode import check_decoder
        from myna.models.ensemble_ner import member_tagger

        try:
            self.decode = check_decoder(decode or member_tagger(members[0]).decode)
        except ValueError as e:
            raise InputError(str(e), where="--decode") from None

    def pipeline(self, members: list[Any], mix: list[float]) -> tuple[Any, Any]:
        import spacy

        from myna.models.ensemble_ner import FACTORY

        nlp = spacy.blank(members[0].lang)
        component: Any = nlp.add_pipe(FACTORY, name="ner",
                                      config={"weights": mix, "decode": self.decode})
        component.set_members(members)
        return nlp, component

    def scorer(self, component: Any, tune: Path, text_column: str,
               label_column: str | None) -> tuple[Any, Scorer]:
        import spacy
        from spacy.scorer import get_ner_prf
        from spacy.training import Example as SpacyExample

        from myna.data.docbin import example_to_doc, make_doc
        from myna.data.formats import read_examples
        from myna.models.classifier_component import set_bio_entities

        nlp = spacy.blank(component.members[0].lang)
        examples = list(read_examples(tune, text_column=text_column, label_column=label_column))
        if not examples:
            raise InputError("no labelled texts to tune on", where=str(tune))
        references = [example_to_doc(ex, nlp, f"{tune}: example {i}")
                      for i, ex in enumerate(examples, start=1)]
        docs = [make_doc(ex, nlp) for ex in examples]
        size = max(1, component.batch_size)
        batches = [component.member_log_probs(docs[i:i + size]) for i in range(0, len(docs), size)]
        scores: list[list[Any]] = [[s for b in batches for s in b[m]]
                                   for m in range(len(component.members))]

        def score(member_scores: list[Any], mix: list[float]) -> float:
            set_bio_entities(docs, component.mix(member_scores, mix), component._labels,
                             component.decode)
            pairs = [SpacyExample(d, r) for d, r in zip(docs, references, strict=True)]
            return float(get_ner_prf(pairs)["ents_f"])

        return scores, score


def _kind_of(members: list[Any], refs: list[str], decode: str | None) -> Any:
    from myna.models.classifier_component import TokenTagger

    taggers = [any(isinstance(c, TokenTagger) for _, c in m.pipeline) for m in members]
    if all(taggers):
        return _Entities(members, decode)
    if any(taggers):
        odd = [ref for ref, tagger in zip(refs, taggers, strict=True) if not tagger]
        raise InputError(f"{', '.join(odd)} is not a transformer entity recognizer like "
                         "the other members; an ensemble's members do one task")
    for member in members:
        assigns = {a for name in member.pipe_names for a in member.get_pipe_meta(name).assigns}
        if "doc.ents" in assigns and "doc.cats" not in assigns:
            from myna.models.ensemble_ner import member_tagger

            member_tagger(member)  # raises: says which entity recognizers can be members
    if decode is not None:
        raise InputError("--decode reads entity tags; these members classify texts",
                         where="--decode")
    return _Categories(members)


def _labelled(path: Path, text_column: str, label_column: str | None, labels: list[str],
              ) -> tuple[list[str], list[int]]:
    from myna.data.formats import read_examples

    texts, gold = [], []
    for i, ex in enumerate(read_examples(path, text_column=text_column,
                                         label_column=label_column), start=1):
        if not ex.cats:
            raise InputError("every text to tune on needs its category", where=f"{path}: "
                             f"example {i}")
        label = max(ex.cats, key=lambda k: ex.cats[k])
        if label not in labels:
            raise InputError(f"label {label!r} is not the models' ({', '.join(labels)})",
                             where=f"{path}: example {i}")
        texts.append(ex.text)
        gold.append(labels.index(label))
    if not texts:
        raise InputError("no labelled texts to tune on", where=str(path))
    return texts, gold
