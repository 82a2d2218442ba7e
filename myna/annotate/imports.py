"""Files into a dataset: plain texts become examples to annotate; annotated rows (spans,
categories, a Prodigy ``answer``) become answers too (`db-in`) or suggestions the annotator
sees pre-filled (a recipe's source). Every row is checked — labels, token alignment,
overlaps — before anything is committed; one bad row writes nothing unless skipped."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from myna.annotate.store import Dataset, ImportRow, Store
from myna.core.errors import InputError
from myna.core.example import Example
from myna.data.cells import ReadReport
from myna.data.formats import read_examples

PEEK = 1000  # rows read ahead to tell a new dataset's kind from its data
PLAIN_META = (str, int, float, bool)


@dataclass
class ImportSummary:
    dataset: Dataset
    rows: int = 0
    added: int = 0
    duplicates: int = 0
    answers: int = 0
    skipped: list[str] = field(default_factory=list)
    new_labels: list[str] = field(default_factory=list)


def _where(path: Path, ex: Example) -> str:
    if "line" in ex.meta:
        return f"{path}:{ex.meta['line']}"
    if "row" in ex.meta:
        return f"{path}:{ex.meta['row']}"
    return f"{path}: example {ex.meta.get('doc', '?')}"


def _kind_of(examples: list[Example]) -> str | None:
    if any(ex.spans for ex in examples):
        return "ner"
    if any(ex.cats for ex in examples):
        return "textcat"
    return None


class RowChecker:
    """Checks one example against the dataset's shape and labels."""

    def __init__(self, kind: str, labels: list[str], model: str | None):
        self.kind, self.labels, self.model = kind, labels, model
        self.seen_labels: list[str] = []
        self._nlp = None

    def _tokenizer(self):
        if self._nlp is None:
            from myna.annotate.recipes.ner import load_tokenizer_pipeline

            self._nlp = load_tokenizer_pipeline(self.model)
        return self._nlp

    def _label(self, label: str, where: str) -> None:
        if self.labels and label not in self.labels:
            raise InputError(f"unknown label {label!r}; the dataset's labels are "
                             f"{', '.join(self.labels)} (add one with --label)", where=where)
        if label not in self.seen_labels:
            self.seen_labels.append(label)

    def check(self, ex: Example, where: str) -> None:
        if self.kind == "ner" and ex.cats:
            raise InputError("categories in a row of an NER dataset", where=where)
        if self.kind == "textcat" and ex.spans:
            raise InputError("entity spans in a row of a text-classification dataset",
                             where=where)
        for label in ex.cats:
            self._label(label, where)
        if not ex.spans:
            return
        doc = self._tokenizer().make_doc(ex.text)
        prev_end = -1
        for s in sorted(ex.spans, key=lambda s: s.start):
            self._label(s.label, where)
            if doc.char_span(s.start, s.end) is None:
                raise InputError(f"span {ex.text[s.start:s.end]!r} ({s.start}-{s.end} "
                                 f"{s.label}) does not fall on token boundaries", where=where)
            if s.start < prev_end:
                raise InputError(f"span {s.start}-{s.end} ({s.label}) overlaps another",
                                 where=where)
            prev_end = s.end


def _check_session_id(ex: Example, where: str) -> None:
    from myna.annotate.service import SESSION_NAME, SESSION_RULE

    name = ex.meta.get("_session_id")
    if name not in (None, "") and not (isinstance(name, str) and SESSION_NAME.fullmatch(name)):
        raise InputError(f"_session_id {name!r}: {SESSION_RULE}", where=where)


def _import_row(ex: Example, as_answers: bool, session: str) -> ImportRow:
    meta = {k: v for k, v in ex.meta.items()
            if isinstance(v, PLAIN_META) and not k.startswith("_") and k != "answer"}
    spans = [{"start": s.start, "end": s.end, "label": s.label} for s in ex.spans]
    annotated = bool(ex.spans or ex.cats or "answer" in ex.meta)
    if not as_answers or not annotated:
        extra: dict[str, Any] = {"meta": meta} if meta else {}
        if spans:
            extra["spans"] = spans
        if ex.cats:
            extra["cats"] = ex.cats
        return ImportRow(text=ex.text, extra=extra)
    answer = str(ex.meta.get("answer", "accept"))
    if answer not in ("accept", "reject", "ignore"):
        answer = "accept"
    label = ex.meta.get("label") if isinstance(ex.meta.get("label"), str) else None
    return ImportRow(text=ex.text, extra={"meta": meta} if meta else {}, answer=answer,
                     session=str(ex.meta.get("_session_id") or session), spans=spans,
                     cats=dict(ex.cats), label=label)


def import_file(store: Store, name: str, path: Path, *, kind: str | None = None,
                labels: list[str] | None = None, exclusive: bool = True,
                model: str | None = None, text_column: str = "text",
                label_column: str | None = None, as_answers: bool = True,
                session: str = "db-in", skip_invalid: bool = False,
                on_rows: Callable[[int], None] | None = None) -> ImportSummary:
    """Read ``path`` into dataset ``name`` (created if needed) in one transaction."""
    report = ReadReport()
    examples = read_examples(path, text_column=text_column, label_column=label_column,
                             report=report, skip_bad_rows=skip_invalid)
    existing = {d.name: d for d in store.datasets()}.get(name)
    head = list(itertools.islice(examples, PEEK))
    kind = kind or (existing.kind if existing else None) or _kind_of(head)
    if kind is None:
        raise InputError(f"cannot tell whether {name!r} is an NER or a text-classification "
                         "dataset from plain texts; pass --kind ner|textcat", where=str(path))
    if existing is not None and existing.kind != kind:
        store.ensure_dataset(name, kind)  # raises: the shapes differ
    ds = existing or store.ensure_dataset(name, kind, labels or [], exclusive)
    allowed = list(dict.fromkeys(ds.labels + (labels or [])))
    checker = RowChecker(kind, allowed, model)
    summary = ImportSummary(dataset=ds)

    def rows() -> Iterator[ImportRow]:
        for ex in itertools.chain(head, examples):
            where = _where(path, ex)
            try:
                checker.check(ex, where)
                if as_answers:
                    _check_session_id(ex, where)
            except InputError as err:
                if not skip_invalid:
                    raise
                summary.skipped.append(str(err))
                continue
            summary.rows += 1
            if on_rows and summary.rows % 1000 == 0:
                on_rows(summary.rows)
            yield _import_row(ex, as_answers, session)

    try:
        summary.added, summary.duplicates, summary.answers = store.import_rows(ds, rows())
    except Exception:
        if existing is None:  # a failed first import leaves no empty dataset behind
            store.drop(name)
        raise
    summary.skipped = report.skipped + summary.skipped
    summary.new_labels = [lab for lab in [*(labels or []), *checker.seen_labels]
                          if lab not in ds.labels]
    summary.dataset = store.ensure_dataset(name, kind, ds.labels + summary.new_labels)
    if on_rows:
        on_rows(summary.rows)
    return summary
