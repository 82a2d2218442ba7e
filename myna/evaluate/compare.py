"""Base vs custom: both models on the same labelled data, per-label deltas, disagreements."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from myna.evaluate.evaluator import EvalReport, evaluator_for
from myna.evaluate.labelmap import LabelMap
from myna.evaluate.scoring import load_labelled, predict


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


def compare(base: str, custom: str, data_path: str | Path, *, text_column: str = "text",
            label_column: str | None = None, fmt: str | None = None, sample: int = 10,
            seed: int = 0, label_map: LabelMap | None = None) -> Comparison:
    """``label_map`` renames both models' entity labels to the data's before scoring."""
    examples, task = load_labelled(data_path, text_column, label_column, fmt)
    evaluator = evaluator_for(task)
    results = {}
    for name, model in (("base", base), ("custom", custom)):
        nlp, pairs, scores = predict(model, examples, task, data_path, label_map)
        known = evaluator.known_labels(nlp, label_map)
        rep = evaluator.report(model, str(data_path), examples, pairs, scores, known, 0, nlp)
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
        bp, cp = evaluator.prediction(b_eg), evaluator.prediction(c_eg)
        if bp != cp:
            differ.append({"text": b_eg.reference.text, "base": bp, "custom": cp})
    rng = random.Random(seed)
    picked = rng.sample(differ, min(sample, len(differ)))
    return Comparison(base_rep, custom_rep, shared, rows, picked)


def write_disagreements(comparison: Comparison, path: Path) -> bool:
    """The task's page of the sampled disagreements (displaCy for entities); False when the
    task has none."""
    return evaluator_for(comparison.base.task).write_disagreements(comparison, path)
