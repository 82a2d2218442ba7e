"""Dataset statistics: label counts, text lengths, duplicates."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from myna.core.example import Example


@dataclass
class DatasetStats:
    examples: int = 0
    empty: int = 0
    span_labels: Counter = field(default_factory=Counter)
    cat_labels: Counter = field(default_factory=Counter)
    char_lengths: list[int] = field(default_factory=list)
    word_lengths: list[int] = field(default_factory=list)
    duplicates: int = 0
    duplicate_examples: list[str] = field(default_factory=list)

    def length_summary(self, values: list[int]) -> dict[str, float]:
        if not values:
            return {"min": 0, "median": 0, "mean": 0, "max": 0}
        return {"min": min(values), "median": statistics.median(values),
                "mean": round(statistics.fmean(values), 1), "max": max(values)}

    def to_dict(self) -> dict:
        return {
            "examples": self.examples,
            "empty": self.empty,
            "span_labels": dict(self.span_labels.most_common()),
            "cat_labels": dict(self.cat_labels.most_common()),
            "chars": self.length_summary(self.char_lengths),
            "words": self.length_summary(self.word_lengths),
            "duplicates": self.duplicates,
        }


def compute_stats(examples: Iterable[Example], keep_duplicates: int = 5) -> DatasetStats:
    st = DatasetStats()
    seen: set[int] = set()
    for ex in examples:
        st.examples += 1
        if not ex.text.strip():
            st.empty += 1
        st.span_labels.update(s.label for s in ex.spans)
        st.cat_labels.update(label for label, score in ex.cats.items() if score >= 0.5)
        st.char_lengths.append(len(ex.text))
        st.word_lengths.append(len(ex.text.split()))
        key = hash(ex.text)
        if key in seen:
            st.duplicates += 1
            if len(st.duplicate_examples) < keep_duplicates:
                st.duplicate_examples.append(ex.text)
        else:
            seen.add(key)
    return st
