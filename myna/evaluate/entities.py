"""Scoring entity recognition: spaCy's entity scores per label, seqeval's F1 on token-level
(CoNLL) data, and the texts with the most missed or spurious entities."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from myna.core.example import Example
from myna.evaluate.evaluator import EvalReport, Evaluator, macro
from myna.evaluate.labelmap import LabelMap, mapped_labels, relabel

if TYPE_CHECKING:
    from myna.evaluate.compare import Comparison


class EntityEvaluator(Evaluator):
    def has_gold(self, examples: list[Example]) -> bool:
        return any(ex.spans for ex in examples)

    def missing(self, nlp: Any) -> str | None:
        return None if "ner" in nlp.pipe_names else "has no 'ner' component"

    def known_labels(self, nlp: Any, label_map: LabelMap | None) -> set[str]:
        return mapped_labels(nlp.get_pipe("ner").labels, label_map)

    def score_answers(self, examples: list[Any], labels: list[str],
                      exclusive: bool) -> dict[str, Any]:
        from spacy.scorer import get_ner_prf

        return get_ner_prf(examples)

    def relabel(self, docs: Iterable[Any], label_map: LabelMap | None) -> Iterable[Any]:
        return relabel(docs, label_map)

    def report(self, model: str, data: str, examples: list[Example], pairs: list[Any],
               scores: dict[str, Any], known: set[str], n_errors: int, nlp: Any) -> EvalReport:
        support = Counter(s.label for ex in examples for s in ex.spans)
        per_label = {label: {**{k: float(v) for k, v in s.items()}, "support": support[label]}
                     for label, s in (scores.get("ents_per_type") or {}).items()
                     if label in support}
        for label in support:
            per_label.setdefault(label, {"p": 0.0, "r": 0.0, "f": 0.0,
                                         "support": support[label]})
        errors = []
        for eg in pairs:
            gold = {(e.start_char, e.end_char, e.label_) for e in eg.reference.ents}
            pred = {(e.start_char, e.end_char, e.label_) for e in eg.predicted.ents}
            if gold != pred:
                text = eg.reference.text
                errors.append({"text": text,
                               "missed": [_ent(text, e) for e in sorted(gold - pred)],
                               "spurious": [_ent(text, e) for e in sorted(pred - gold)],
                               "count": len(gold ^ pred)})
        errors.sort(key=lambda e: -e["count"])
        return EvalReport(
            task=self.task, model=model, data=data, examples=len(pairs), labels=sorted(support),
            per_label=dict(sorted(per_label.items())),
            micro={"p": scores["ents_p"], "r": scores["ents_r"], "f": scores["ents_f"]},
            macro=macro(per_label), errors=errors[:n_errors],
            seqeval_f1=_seqeval_f1(examples, pairs),
            unknown_labels=sorted(set(support) - known))

    def prediction(self, pair: Any) -> Any:
        return sorted((e.start_char, e.end_char, e.label_) for e in pair.predicted.ents)

    def describe_error(self, error: dict[str, Any]) -> str:
        return (f"missed: {', '.join(error['missed']) or '–'}; spurious: "
                f"{', '.join(error['spurious']) or '–'}")

    def write_disagreements(self, comparison: Comparison, path: Path) -> bool:
        """One displaCy page: each disagreement rendered by both models."""
        from spacy import displacy

        from myna.core.atomic import atomic_path

        items = []
        for n, d in enumerate(comparison.disagreements, start=1):
            for who in ("base", "custom"):
                ents = [{"start": s, "end": e, "label": lab} for s, e, lab in d[who]]
                items.append({"text": d["text"], "ents": ents, "title": f"#{n} {who}"})
        html = displacy.render(items, style="ent", manual=True, page=True)
        with atomic_path(path) as tmp:
            tmp.write_text(html, encoding="utf-8")
        return True


def _ent(text: str, ent: tuple[int, int, str]) -> str:
    return f"{text[ent[0]:ent[1]]} ({ent[2]})"


def _seqeval_f1(examples: list[Example], pairs: list[Any]) -> float | None:
    """Entity F1 by seqeval on BIO tags of the same tokens; only for token-level (CoNLL) data."""
    if not all(ex.tokens for ex in examples):
        return None
    from seqeval.metrics import f1_score

    def tags(doc) -> list[str]:
        return [f"{t.ent_iob_}-{t.ent_type_}" if t.ent_iob_ in ("B", "I") else "O" for t in doc]

    return float(f1_score([tags(eg.reference) for eg in pairs],
                          [tags(eg.predicted) for eg in pairs]))
