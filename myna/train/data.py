"""Training data: load, check and fix before any training starts, then write DocBin files."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from myna.core.errors import InputError
from myna.core.example import Example, Span
from myna.data.docbin import make_doc, write_docbin
from myna.data.formats import read_examples

FIX_SPANS = ("expand", "contract", "drop")


@dataclass
class PreparedData:
    train: list[Example]
    dev: list[Example]
    labels: list[str]
    train_path: Path
    dev_path: Path

    def fingerprint(self) -> dict[str, str | int]:
        return {"train_rows": len(self.train), "dev_rows": len(self.dev),
                "train_sha256": _digest(self.train), "dev_sha256": _digest(self.dev)}


def _digest(examples: list[Example]) -> str:
    h = hashlib.sha256()
    for ex in examples:
        h.update(json.dumps({"text": ex.text, "spans": [s.to_dict() for s in ex.spans],
                             "cats": ex.cats}, sort_keys=True).encode())
    return h.hexdigest()


def load(source: Path, text_column: str, label_column: str | None) -> list[Example]:
    examples = [ex for ex in read_examples(source, text_column=text_column,
                                           label_column=label_column)
                if ex.meta.get("answer", "accept") == "accept"]
    if not examples:
        raise InputError("no training examples (empty file, or every answer rejected)",
                         where=str(source))
    return examples


def load_dataset(name: str, db: str | None, task: str) -> list[Example]:
    """The annotation store's final answers: the latest accepted answer per text."""
    from myna.annotate.database import open_store
    from myna.annotate.export import final_examples

    store = open_store(db)
    ds = store.dataset(name)
    if ds.kind != task:  # a dataset's kind is the name of the task its answers are for
        raise InputError(f"dataset {name!r} holds {ds.kind} annotations; train {ds.kind} "
                         "with it")
    examples = final_examples(store, ds)
    if not examples:
        raise InputError(f"dataset {name!r} has no accepted answers to train on")
    return examples


def align_spans(examples: list[Example], nlp, fix: str | None, source: str) -> list[Example]:
    """Spans must fall on the pipeline's token boundaries and not overlap. ``fix`` expands or
    contracts a misaligned span to tokens, or drops it; without it, the first problem stops."""
    if fix is not None and fix not in FIX_SPANS:
        raise InputError(f"--fix-spans must be one of {', '.join(FIX_SPANS)}")
    for n, ex in enumerate(examples, start=1):
        doc = make_doc(ex, nlp)
        fixed: list[Span] = []
        for s in sorted(ex.spans, key=lambda s: (s.start, s.end)):
            where = f"{source}: example {n}"
            span = doc.char_span(s.start, s.end, label=s.label)
            if span is None:
                if fix is None:
                    raise InputError(
                        f"span {ex.text[s.start:s.end]!r} ({s.start}-{s.end} {s.label}) does "
                        "not fall on token boundaries", where=where,
                        hint="pass --fix-spans expand|contract|drop")
                span = (None if fix == "drop" else
                        doc.char_span(s.start, s.end, label=s.label, alignment_mode=fix))
                if span is None or not len(span):
                    continue
            new = Span(span.start_char, span.end_char, s.label, s.kb_id)
            if fixed and new.start < fixed[-1].end:
                if fix is None:
                    prev = fixed[-1]
                    raise InputError(
                        f"span {ex.text[new.start:new.end]!r} ({new.label}) overlaps "
                        f"{ex.text[prev.start:prev.end]!r} ({prev.label})", where=where,
                        hint="pass --fix-spans drop to keep the first of overlapping spans")
                continue
            fixed.append(new)
        ex.spans = fixed
    return examples


def check_textcat(train: list[Example], dev: list[Example], exclusive: bool) -> list[str]:
    counts = Counter(label for ex in train for label, v in ex.cats.items() if v >= 0.5)
    labels = sorted({label for ex in train for label in ex.cats})
    missing = [n for n, ex in enumerate(train, start=1) if not ex.cats]
    if missing:
        raise InputError(f"{len(missing)} training example(s) have no category "
                         f"(first: example {missing[0]}); pass --label-column")
    if exclusive and len(counts) < 2:
        raise InputError(f"training data has a single category ({', '.join(counts) or 'none'}); "
                         "an exclusive classifier needs at least two")
    if not exclusive:
        for label in labels:
            pos = counts[label]
            if pos == 0 or pos == len(train):
                raise InputError(f"category {label!r} is {'never' if pos == 0 else 'always'} "
                                 "positive in the training data; nothing to learn")
    if exclusive:
        multi = [n for n, ex in enumerate(train, start=1)
                 if sum(v >= 0.5 for v in ex.cats.values()) != 1]
        if multi:
            raise InputError(f"example {multi[0]} has no or several positive categories; "
                             "use --multilabel for multi-label data")
    _check_dev_labels({lab for ex in dev for lab, v in ex.cats.items() if v >= 0.5},
                      set(labels))
    return labels


def class_targets(examples: list[Example], labels: list[str], exclusive: bool) -> list:
    """What a neural classifier is trained on: each example's class index (exclusive), or a
    0/1 row over ``labels`` (multi-label)."""
    if exclusive:
        return [labels.index(max(ex.cats, key=ex.cats.__getitem__)) for ex in examples]
    return [[float(ex.cats.get(label, 0.0) >= 0.5) for label in labels] for ex in examples]


def check_ner(train: list[Example], dev: list[Example], known: frozenset[str] = frozenset(),
              ) -> list[str]:
    """Labels to train; ``known`` are labels the base model already has, which dev may use
    even where train does not."""
    labels = {s.label for ex in train for s in ex.spans}
    if not labels:
        raise InputError("the training data has no entity spans")
    _check_dev_labels({s.label for ex in dev for s in ex.spans}, labels | known)
    return sorted(labels | ({s.label for ex in dev for s in ex.spans} & known))


def _check_dev_labels(dev_labels: set[str], train_labels: set[str]) -> None:
    unseen = sorted(dev_labels - train_labels)
    if unseen:
        raise InputError(f"label(s) {', '.join(unseen)} appear in dev but never in train")


def prepare(train: list[Example], dev: list[Example], labels: list[str], nlp,
            out_dir: Path) -> PreparedData:
    """Write the checked examples as DocBin files, tokenised as the pipeline will see them."""
    if not dev:
        raise InputError("no dev examples; pass --dev FILE or a larger training set")
    out_dir.mkdir(parents=True, exist_ok=True)
    data = PreparedData(train, dev, labels, out_dir / "train.spacy", out_dir / "dev.spacy")
    write_docbin(train, data.train_path, nlp)
    write_docbin(dev, data.dev_path, nlp)
    return data
