"""Train/dev splits, stratified so every label keeps its share in both parts."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable

from myna.core.example import Example


def strata_key(ex: Example, label_counts: Counter) -> str:
    """Category examples by their top category; span examples by their rarest span label."""
    if ex.cats:
        return "cat:" + max(sorted(ex.cats), key=lambda k: ex.cats[k])
    labels = {s.label for s in ex.spans}
    if labels:
        return "span:" + min(sorted(labels), key=lambda lab: label_counts[lab])
    return "none"


def train_dev_split(examples: Iterable[Example], dev_fraction: float = 0.2, seed: int = 0,
                    stratify: bool = True) -> tuple[list[Example], list[Example]]:
    """Split examples; each stratum sends ``round(n * dev_fraction)`` to dev, at least one
    where it has two or more members, so a rare label is seen in both parts."""
    if not 0 < dev_fraction < 1:
        raise ValueError("dev_fraction must be between 0 and 1")
    items = list(examples)
    rng = random.Random(seed)
    span_counts = Counter(s.label for ex in items for s in ex.spans)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, ex in enumerate(items):
        groups[strata_key(ex, span_counts) if stratify else "all"].append(i)
    dev_ids: set[int] = set()
    for key in sorted(groups):
        ids = groups[key]
        rng.shuffle(ids)
        n_dev = round(len(ids) * dev_fraction)
        if n_dev == 0 and len(ids) >= 2:
            n_dev = 1
        dev_ids.update(ids[:n_dev])
    train = [ex for i, ex in enumerate(items) if i not in dev_ids]
    dev = [ex for i, ex in enumerate(items) if i in dev_ids]
    return train, dev
