"""Inter-annotator agreement over the texts two annotators both answered: Cohen's kappa for
categories (scikit-learn), span-level F1 for entities (exact start, end and label)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from myna.annotate.store import Answer, Store
from myna.core.errors import InputError


@dataclass
class PairAgreement:
    first: str
    second: str
    shared: int  # texts both answered (accept or reject)
    measure: str  # kappa | span_f1
    value: float | None  # None: undefined (no shared texts, or one class only)


def annotators(store: Store, names: list[str]) -> tuple[str, dict[str, dict[str, Answer]]]:
    """Answers per annotator (``session``, or ``dataset/session`` across several datasets),
    keyed by the text's hash; the latest answer wins; skipped tasks do not count."""
    kinds = set()
    by_annotator: dict[str, dict[str, Answer]] = {}
    for name in names:
        ds = store.dataset(name)
        kinds.add(ds.kind)
        for a in store.answers(ds):
            if a.answer == "ignore":
                continue
            who = a.session if len(names) == 1 else f"{name}/{a.session}"
            key = a.input_hash + (f"|{a.label}" if a.label else "")
            by_annotator.setdefault(who, {})[key] = a
    if len(kinds) > 1:
        raise InputError("the datasets hold different kinds of annotation "
                         f"({', '.join(sorted(kinds))}); compare like with like")
    if len(by_annotator) < 2:
        raise InputError(f"agreement needs two or more annotators; found "
                         f"{len(by_annotator)} in {', '.join(names)}")
    return kinds.pop(), by_annotator


def _category(a: Answer) -> str:
    """One value per answer: the chosen label(s), or the binary accept/reject of a teach
    question (its key already names the label)."""
    if a.label is not None:
        return a.answer
    if a.answer == "reject":
        return "<rejected>"
    return "+".join(sorted(lab for lab, v in a.cats.items() if v >= 0.5)) or "<none>"


def _spans(a: Answer) -> set[tuple[int, int, str]]:
    return set() if a.answer == "reject" else {(s["start"], s["end"], s["label"])
                                               for s in a.spans}


def pair_agreement(kind: str, first: dict[str, Answer], second: dict[str, Answer],
                   ) -> tuple[int, float | None]:
    shared = sorted(set(first) & set(second))
    if not shared:
        return 0, None
    if kind == "textcat":
        from sklearn.metrics import cohen_kappa_score

        x = [_category(first[k]) for k in shared]
        y = [_category(second[k]) for k in shared]
        if len(set(x) | set(y)) < 2:
            return len(shared), None  # kappa is undefined when only one value occurs
        return len(shared), float(cohen_kappa_score(x, y))
    tp = n_first = n_second = 0
    for k in shared:
        a, b = _spans(first[k]), _spans(second[k])
        tp += len(a & b)
        n_first += len(a)
        n_second += len(b)
    if n_first + n_second == 0:
        return len(shared), 1.0  # both found nothing in every shared text
    return len(shared), 2 * tp / (n_first + n_second)


def agreement(store: Store, names: list[str]) -> list[PairAgreement]:
    kind, by_annotator = annotators(store, names)
    measure = "kappa" if kind == "textcat" else "span_f1"
    out = []
    for first, second in itertools.combinations(sorted(by_annotator), 2):
        shared, value = pair_agreement(kind, by_annotator[first], by_annotator[second])
        out.append(PairAgreement(first, second, shared, measure, value))
    return out
