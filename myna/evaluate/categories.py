"""Scoring text classification: spaCy's per-label scores, accuracy and the confusion matrix
(exclusive classes), and the most confident mistakes."""

from __future__ import annotations

from collections import Counter
from typing import Any

from myna.core.example import Example
from myna.evaluate.evaluator import EvalReport, Evaluator
from myna.evaluate.labelmap import LabelMap
from myna.models.spacy_backend import TEXTCAT_PIPES


class CategoryEvaluator(Evaluator):
    def has_gold(self, examples: list[Example]) -> bool:
        return any(ex.cats for ex in examples)

    def missing(self, nlp: Any) -> str | None:
        return None if set(TEXTCAT_PIPES) & set(nlp.pipe_names) else "has no text classifier"

    def known_labels(self, nlp: Any, label_map: LabelMap | None) -> set[str]:
        return set(nlp.get_pipe(_classifier(nlp)).labels)

    def score_answers(self, examples: list[Any], labels: list[str],
                      exclusive: bool) -> dict[str, Any]:
        from spacy.scorer import Scorer

        return Scorer.score_cats(examples, "cats", labels=labels, multi_label=not exclusive,
                                 threshold=0.0 if exclusive else 0.5)

    def report(self, model: str, data: str, examples: list[Example], pairs: list[Any],
               scores: dict[str, Any], known: set[str], n_errors: int, nlp: Any) -> EvalReport:
        from sklearn.metrics import confusion_matrix

        labels = sorted({label for eg in pairs for label in eg.reference.cats})
        per_type = scores.get("cats_f_per_type") or {}
        support = Counter(label for eg in pairs for label, v in eg.reference.cats.items()
                          if v >= 0.5)
        per_label = {label: {"p": float(per_type.get(label, {}).get("p", 0.0)),
                             "r": float(per_type.get(label, {}).get("r", 0.0)),
                             "f": float(per_type.get(label, {}).get("f", 0.0)),
                             "support": support[label]} for label in labels}
        exclusive = "textcat" in nlp.pipe_names  # the exclusive component, not a task
        gold_top = [_top(eg.reference.cats) for eg in pairs]
        pred_top = [_top(eg.predicted.cats) or "" for eg in pairs]
        errors = (_exclusive_errors(pairs, gold_top, pred_top) if exclusive
                  else _multilabel_errors(pairs))
        errors.sort(key=lambda e: -e["confidence"])
        return EvalReport(
            task=self.task, model=model, data=data, examples=len(pairs), labels=labels,
            per_label=per_label,
            micro={k: scores.get(f"cats_micro_{k}") or 0.0 for k in ("p", "r", "f")},
            macro={k: scores.get(f"cats_macro_{k}") or 0.0 for k in ("p", "r", "f")},
            accuracy=(sum(g == p for g, p in zip(gold_top, pred_top, strict=True)) / len(pairs)
                      if exclusive else None),
            confusion=(confusion_matrix(gold_top, pred_top, labels=labels).tolist()
                       if exclusive else None),
            errors=errors[:n_errors], unknown_labels=sorted(set(labels) - known))

    def prediction(self, pair: Any) -> Any:
        return _top(pair.predicted.cats)

    def describe_error(self, error: dict[str, Any]) -> str:
        return (f"gold {error['gold']}, predicted {error['predicted']} "
                f"({error['confidence']:.2f})")


def _classifier(nlp: Any) -> str:
    return "textcat" if "textcat" in nlp.pipe_names else "textcat_multilabel"


def _top(cats: dict[str, float]) -> str | None:
    return max(cats, key=cats.__getitem__) if cats else None


def _exclusive_errors(pairs: list[Any], gold_top: list[str | None],
                      pred_top: list[str]) -> list[dict[str, Any]]:
    return [{"text": eg.reference.text, "gold": g, "predicted": p,
             "confidence": round(float(eg.predicted.cats.get(p, 0.0)), 4)}
            for eg, g, p in zip(pairs, gold_top, pred_top, strict=True) if g != p]


def _multilabel_errors(pairs: list[Any]) -> list[dict[str, Any]]:
    errors = []
    for eg in pairs:
        gold = {k for k, v in eg.reference.cats.items() if v >= 0.5}
        pred = {k for k, v in eg.predicted.cats.items() if v >= 0.5}
        if gold != pred:
            margin = max(abs(eg.predicted.cats.get(k, 0.0) - 0.5) for k in gold ^ pred)
            errors.append({"text": eg.reference.text, "gold": ",".join(sorted(gold)),
                           "predicted": ",".join(sorted(pred)),
                           "confidence": round(0.5 + margin, 4)})
    return errors
