"""Rename (or drop) a model's entity labels before scoring it on data with other labels:
en_core_web_sm's OntoNotes labels against CoNLL-2003's PER/ORG/LOC/MISC, for instance."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from myna.core.errors import InputError

LabelMap = dict[str, str]  # model label → data label; "" drops the label

PRESETS: dict[str, LabelMap] = {
    # OntoNotes 5 (spaCy's English pipelines) → CoNLL-2003. Numbers, dates and amounts have no
    # CoNLL type and are dropped; the remaining named kinds are CoNLL's MISC.
    "ontonotes-conll": {
        "PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC",
        "NORP": "MISC", "EVENT": "MISC", "WORK_OF_ART": "MISC", "LAW": "MISC",
        "LANGUAGE": "MISC", "PRODUCT": "MISC",
        **{label: "" for label in ("DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL",
                                   "CARDINAL")},
    },
}


def parse_label_map(spec: str | None) -> LabelMap | None:
    """``None``, a preset name (``ontonotes-conll``) or ``FROM=TO,FROM=TO`` (``DATE=`` drops)."""
    if not spec:
        return None
    if spec in PRESETS:
        return dict(PRESETS[spec])
    mapping: LabelMap = {}
    for item in spec.split(","):
        source, eq, target = item.partition("=")
        if not eq or not source.strip():
            raise InputError(f"--label-map entry {item!r} is not FROM=TO (presets: "
                             f"{', '.join(PRESETS)})")
        mapping[source.strip()] = target.strip()
    return mapping


def mapped_labels(labels: Iterable[str], mapping: LabelMap | None) -> set[str]:
    if mapping is None:
        return set(labels)
    return {mapping.get(label, label) for label in labels} - {""}


def relabel(docs: Iterable, mapping: LabelMap | None) -> Iterator:
    """Yield the docs with their entities renamed; entities mapped to "" are removed."""
    from spacy.tokens import Span

    for doc in docs:
        if mapping is not None:
            doc.ents = [Span(doc, e.start, e.end, label=mapping.get(e.label_, e.label_),
                             kb_id=e.kb_id_) for e in doc.ents
                        if mapping.get(e.label_, e.label_)]
        yield doc
