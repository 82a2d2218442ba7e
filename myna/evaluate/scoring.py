"""Evaluate a pipeline on labelled data: per-label scores, averages, confusions, worst errors.

Scores come from spaCy's own scorer; on CoNLL input the NER figure is cross-checked against
`seqeval` on the same tokens, and the two must agree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from myna.core.errors import InputError
from myna.core.example import Example
from myna.data.docbin import example_to_doc, make_doc
from myna.data.formats import read_examples
from myna.evaluate.labelmap import LabelMap, mapped_labels, relabel
from myna.models.spacy_backend import TEXTCAT_PIPES


@dataclass
class EvalReport:
    task: str
    model: str
    data: str
    examples: int
    labels: list[str]
    per_label: dict[str, dict[str, float]]
    micro: dict[str, float]
    macro: dict[str, float]
    accuracy: float | None = None
    confusion: list[list[int]] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    seqeval_f1: float | None = None
    unknown_labels: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def detect_task(examples: list[Example]) -> str:
    if any(ex.spans for ex in examples):
        return "ner"
    if any(ex.cats for ex in examples):
        return "textcat"
    raise InputError("the data has neither entity spans nor categories to evaluate against")


def _load_model(model: str):
    """Any reference `myna.load` takes (``models:/news-ner@production`` too); scoring
    runs spaCy's scorer, so the model must be a spaCy pipeline."""
    from myna.models import load

    loaded = load(model)
    if loaded.kind != "spacy":
        raise InputError(f"model {model!r} is a {loaded.kind} model; evaluate and compare "
                         "score spaCy pipelines")
    return loaded.obj


def load_labelled(data_path: str | Path, text_column: str = "text",
                  label_column: str | None = None, fmt: str | None = None,
                  ) -> tuple[list[Example], str]:
    examples = list(read_examples(data_path, fmt, text_column, label_column))
    if not examples:
        raise InputError("no examples to evaluate", where=str(data_path))
    return examples, detect_task(examples)


def known_labels(nlp, task: str, label_map: LabelMap | None = None) -> set[str]:
    """The labels a pipeline can predict, as they read after ``label_map``."""
    if task == "ner":
        return mapped_labels(nlp.get_pipe("ner").labels, label_map)
    name = "textcat" if "textcat" in nlp.pipe_names else "textcat_multilabel"
    return set(nlp.get_pipe(name).labels)


def predict(model: str, examples: list[Example], task: str, data_path: str | Path,
            label_map: LabelMap | None = None):
    """Run ``model`` over the examples' texts (their own tokens for CoNLL); return the
    pipeline, spaCy ``Example`` pairs (predicted, reference) and spaCy's scores. NER labels
    are renamed by ``label_map`` first."""
    from spacy.scorer import Scorer
    from spacy.training import Example as SpacyExample

    nlp = _load_model(model)
    if task == "ner" and "ner" not in nlp.pipe_names:
        raise InputError(f"model {model!r} has no 'ner' component (pipes: "
                         f"{', '.join(nlp.pipe_names)})")
    if task == "textcat" and not set(TEXTCAT_PIPES) & set(nlp.pipe_names):
        raise InputError(f"model {model!r} has no text classifier (pipes: "
                         f"{', '.join(nlp.pipe_names)})")
    references = [example_to_doc(ex, nlp, f"{data_path}: example {i}")
                  for i, ex in enumerate(examples, start=1)]
    predicted = nlp.pipe((make_doc(ex, nlp) for ex in examples), batch_size=256)
    if task == "ner":
        predicted = relabel(predicted, label_map)
    pairs = [SpacyExample(doc, ref) for doc, ref in zip(predicted, references, strict=True)]
    return nlp, pairs, Scorer(nlp).score(pairs)


def evaluate(model: str, data_path: str | Path, *, text_column: str = "text",
             label_column: str | None = None, fmt: str | None = None, n_errors: int = 10,
             label_map: LabelMap | None = None) -> EvalReport:
    examples, task = load_labelled(data_path, text_column, label_column, fmt)
    nlp, pairs, scores = predict(model, examples, task, data_path, label_map)
    return build_report(task, model, str(data_path), examples, pairs, scores,
                        known_labels(nlp, task, label_map), n_errors, nlp)


def build_report(task: str, model: str, data: str, examples: list[Example], pairs, scores,
                 known: set[str], n_errors: int, nlp) -> EvalReport:
    if task == "ner":
        return _ner_report(model, data, examples, pairs, scores, known, n_errors)
    return _textcat_report(model, data, pairs, scores, nlp, n_errors)


def _macro(per_label: dict[str, dict[str, float]]) -> dict[str, float]:
    n = max(len(per_label), 1)
    return {k: sum(v[k] for v in per_label.values()) / n for k in ("p", "r", "f")}


def _ner_report(model, data, examples, pairs, scores, known, n_errors) -> EvalReport:
    support = Counter(s.label for ex in examples for s in ex.spans)
    per_label = {label: {**{k: float(v) for k, v in s.items()}, "support": support[label]}
                 for label, s in (scores.get("ents_per_type") or {}).items()
                 if label in support}
    for label in support:
        per_label.setdefault(label, {"p": 0.0, "r": 0.0, "f": 0.0, "support": support[label]})
    errors = []
    for eg in pairs:
        gold = {(e.start_char, e.end_char, e.label_) for e in eg.reference.ents}
        pred = {(e.start_char, e.end_char, e.label_) for e in eg.predicted.ents}
        if gold != pred:
            text = eg.reference.text
            errors.append({"text": text, "missed": [_ent(text, e) for e in sorted(gold - pred)],
                           "spurious": [_ent(text, e) for e in sorted(pred - gold)],
                           "count": len(gold ^ pred)})
    errors.sort(key=lambda e: -e["count"])
    return EvalReport(
        task="ner", model=model, data=data, examples=len(pairs), labels=sorted(support),
        per_label=dict(sorted(per_label.items())),
        micro={"p": scores["ents_p"], "r": scores["ents_r"], "f": scores["ents_f"]},
        macro=_macro(per_label), errors=errors[:n_errors],
        seqeval_f1=_seqeval_f1(examples, pairs),
        unknown_labels=sorted(set(support) - known))


def _ent(text: str, ent: tuple[int, int, str]) -> str:
    return f"{text[ent[0]:ent[1]]} ({ent[2]})"


def _seqeval_f1(examples: list[Example], pairs) -> float | None:
    """Entity F1 by seqeval on BIO tags of the same tokens; only for token-level (CoNLL) data."""
    if not all(ex.tokens for ex in examples):
        return None
    from seqeval.metrics import f1_score

    def tags(doc) -> list[str]:
        return [f"{t.ent_iob_}-{t.ent_type_}" if t.ent_iob_ in ("B", "I") else "O" for t in doc]

    return float(f1_score([tags(eg.reference) for eg in pairs],
                          [tags(eg.predicted) for eg in pairs]))


def _textcat_report(model, data, pairs, scores, nlp, n_errors) -> EvalReport:
    from sklearn.metrics import confusion_matrix

    labels = sorted({label for eg in pairs for label in eg.reference.cats})
    per_type = scores.get("cats_f_per_type") or {}
    support = Counter(label for eg in pairs for label, v in eg.reference.cats.items() if v >= 0.5)
    per_label = {label: {"p": float(per_type.get(label, {}).get("p", 0.0)),
                         "r": float(per_type.get(label, {}).get("r", 0.0)),
                         "f": float(per_type.get(label, {}).get("f", 0.0)),
                         "support": support[label]} for label in labels}
    exclusive = "textcat" in nlp.pipe_names
    gold_top = [max(eg.reference.cats, key=eg.reference.cats.get) for eg in pairs]
    pred_top = [max(eg.predicted.cats, key=eg.predicted.cats.get) if eg.predicted.cats else ""
                for eg in pairs]
    if exclusive:
        errors = [{"text": eg.reference.text, "gold": g, "predicted": p,
                   "confidence": round(float(eg.predicted.cats.get(p, 0.0)), 4)}
                  for eg, g, p in zip(pairs, gold_top, pred_top, strict=True) if g != p]
    else:
        errors = []
        for eg in pairs:
            gold = {k for k, v in eg.reference.cats.items() if v >= 0.5}
            pred = {k for k, v in eg.predicted.cats.items() if v >= 0.5}
            if gold != pred:
                margin = max(abs(eg.predicted.cats.get(k, 0.0) - 0.5) for k in gold ^ pred)
                errors.append({"text": eg.reference.text, "gold": ",".join(sorted(gold)),
                               "predicted": ",".join(sorted(pred)),
                               "confidence": round(0.5 + margin, 4)})
    errors.sort(key=lambda e: -e["confidence"])
    known = set(nlp.get_pipe("textcat" if exclusive else "textcat_multilabel").labels)
    return EvalReport(
        task="textcat", model=model, data=data, examples=len(pairs), labels=labels,
        per_label=per_label,
        micro={"p": scores.get("cats_micro_p") or 0.0, "r": scores.get("cats_micro_r") or 0.0,
               "f": scores.get("cats_micro_f") or 0.0},
        macro={"p": scores.get("cats_macro_p") or 0.0, "r": scores.get("cats_macro_r") or 0.0,
               "f": scores.get("cats_macro_f") or 0.0},
        accuracy=(sum(g == p for g, p in zip(gold_top, pred_top, strict=True)) / len(pairs)
                  if exclusive else None),
        confusion=(confusion_matrix(gold_top, pred_top, labels=labels).tolist()
                   if exclusive else None),
        errors=errors[:n_errors], unknown_labels=sorted(set(labels) - known))
