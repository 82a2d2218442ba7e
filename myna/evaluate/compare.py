"""Base vs custom: both models on the same labelled data, per-label deltas, disagreements."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from myna.evaluate.labelmap import LabelMap
from myna.evaluate.scoring import EvalReport, build_report, known_labels, load_labelled, predict


@dataclass
class Comparison:
    base: EvalReport
    custom: EvalReport
    shared: list[str]
    rows: list[dict[str, Any]]  # label, base_f, custom_f, delta, support
    disagreements: list[dict[str, Any]] = field(default_factory=list)

    def shared_macro(self, which: str) -> float:
        rows = [r for r in self.rows if r["label"] in self.shared]
        return sum(r[f"{which}_f"] for r in rows) / max(len(rows), 1)


def _predicted(eg, task: str) -> Any:
    if task == "ner":
        return sorted((e.start_char, e.end_char, e.label_) for e in eg.predicted.ents)
    return max(eg.predicted.cats, key=eg.predicted.cats.get) if eg.predicted.cats else None


def compare(base: str, custom: str, data_path: str | Path, *, text_column: str = "text",
            label_column: str | None = None, fmt: str | None = None, sample: int = 10,
            seed: int = 0, label_map: LabelMap | None = None) -> Comparison:
    """``label_map`` renames both models' entity labels to the data's before scoring."""
    examples, task = load_labelled(data_path, text_column, label_column, fmt)
    results = {}
    for name, model in (("base", base), ("custom", custom)):
        nlp, pairs, scores = predict(model, examples, task, data_path, label_map)
        known = known_labels(nlp, task, label_map)
        rep = build_report(task, model, str(data_path), examples, pairs, scores, known, 0, nlp)
        results[name] = (known, pairs, rep)
    (base_known, base_pairs, base_rep), (custom_known, custom_pairs, custom_rep) = (
        results["base"], results["custom"])
    in_data = set(base_rep.per_label)
    shared = sorted(in_data & base_known & custom_known)
    rows = []
    for label in sorted(in_data):
        b = base_rep.per_label[label]["f"] if label in base_known else None
        c = custom_rep.per_label[label]["f"] if label in custom_known else None
        rows.append({"label": label, "base_f": b, "custom_f": c,
                     "delta": None if b is None or c is None else c - b,
                     "support": base_rep.per_label[label]["support"]})
    differ = []
    for b_eg, c_eg in zip(base_pairs, custom_pairs, strict=True):
        bp, cp = _predicted(b_eg, task), _predicted(c_eg, task)
        if bp != cp:
            differ.append({"text": b_eg.reference.text, "base": bp, "custom": cp})
    rng = random.Random(seed)
    picked = rng.sample(differ, min(sample, len(differ)))
    return Comparison(base_rep, custom_rep, shared, rows, picked)


def write_displacy(comparison: Comparison, path: Path) -> None:
    """One page: each disagreement rendered by both models (NER only)."""
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
