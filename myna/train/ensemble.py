"""Build an ensemble of text classifiers (`myna models ensemble`), its weights given or tuned
on labelled texts: a held-out slice of the training data, never the data it will be scored
on (a tuned weight is a fitted parameter like any other)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from myna.core.errors import InputError


@dataclass
class EnsembleReport:
    output: Path
    weights: list[float]
    tuned_on: str | None = None
    member_scores: list[float] = field(default_factory=list)  # macro-F1 on the tuning texts
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


def tune_weights(scores: list[Any], gold: list[int], step: float) -> tuple[list[float], float]:
    """The weights whose mixed probabilities score the best macro-F1 (ties: the most even)."""
    best: tuple[float, float, tuple[float, ...]] | None = None
    for weights in weight_grid(len(scores), step):
        mixed = sum(w * s for w, s in zip(weights, scores, strict=True))
        score = macro_f1(mixed, gold)
        evenness = -max(weights)
        if best is None or (score, evenness) > best[:2]:
            best = (score, evenness, weights)
    assert best is not None
    return list(best[2]), best[0]


def build_ensemble(refs: list[str], output: Path, weights: list[float] | None = None,
                   tune: Path | None = None, text_column: str = "text",
                   label_column: str | None = None, step: float = 0.05) -> EnsembleReport:
    import spacy

    from myna.models import spacy_location
    from myna.models.ensemble_textcat import FACTORY

    if len(refs) < 2:
        raise InputError("an ensemble needs two or more models")
    if weights is not None and len(weights) != len(refs):
        raise InputError(f"{len(weights)} weights for {len(refs)} models", where="--weights")
    if weights is not None and (min(weights) < 0 or sum(weights) <= 0):
        raise InputError("weights must be ≥ 0 and not all 0", where="--weights")
    members = [spacy.load(spacy_location(ref)) for ref in refs]
    exclusive = not any("textcat_multilabel" in m.pipe_names for m in members)

    def pipeline(mix: list[float]) -> tuple[Any, Any]:
        nlp = spacy.blank("en")
        # Named as spaCy's own classifiers are, so every command finds it.
        component: Any = nlp.add_pipe(FACTORY, name="textcat" if exclusive
                                      else "textcat_multilabel",
                                      config={"exclusive": exclusive, "weights": mix})
        component.set_members(members)
        return nlp, component

    nlp, component = pipeline(weights or [1.0] * len(refs))
    report = EnsembleReport(output, list(component.weights))
    if tune is not None:
        texts, gold = _labelled(tune, text_column, label_column, list(component.labels))
        scores = component.member_probabilities(texts)
        report.member_scores = [macro_f1(s, gold) for s in scores]
        if weights is None:
            report.weights, report.ensemble_score = tune_weights(scores, gold, step)
            nlp, component = pipeline(report.weights)
        else:
            mixed = sum(w * s for w, s in zip(weights, scores, strict=True)) / sum(weights)
            report.ensemble_score = macro_f1(mixed, gold)
        report.tuned_on = str(tune)
    nlp.meta["myna"] = {"ensemble": refs, "weights": report.weights, "tuned_on": report.tuned_on}
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    return report


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
