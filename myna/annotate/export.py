"""Answers out of the store: every answer (JSONL, Prodigy JSONL), or the final accepted
example per text (spaCy DocBin train/dev, CoNLL, and `myna train --from-dataset`)."""

from __future__ import annotations

from pathlib import Path

from myna.annotate.store import Answer, Dataset, Store
from myna.core.errors import InputError
from myna.core.example import Example, Span

EXPORT_FORMATS = ("jsonl", "prodigy", "spacy", "conll")


def answer_to_example(ds: Dataset, a: Answer) -> Example:
    meta = {**a.meta, "answer": a.answer, "_session_id": a.session,
            "_input_hash": a.input_hash, "_task_hash": a.task_hash,
            "_timestamp": int(a.created_at.timestamp())}
    if a.label is not None:
        meta["label"] = a.label
    return Example(text=a.text, spans=[Span(s["start"], s["end"], s["label"]) for s in a.spans],
                   cats=dict(a.cats), meta={"dataset": ds.name, **meta})


def final_examples(store: Store, ds: Dataset, sessions: list[str] | None = None,
                   ) -> list[Example]:
    """One example per text: its latest accepted answer (a reviewed dataset has one each).
    Binary ``textcat.teach`` answers only count when accepted, and for exclusive
    categories accepting one label says the others are false."""
    latest: dict[str, Answer] = {}
    for a in store.answers(ds, sessions):
        if a.answer == "accept":
            latest[a.input_hash] = a  # answers come in id order: later ones win
        elif a.input_hash in latest and latest[a.input_hash].session == a.session:
            del latest[a.input_hash]  # the same annotator changed their mind
    return [answer_to_example(ds, a) for a in latest.values()]


def export_dataset(store: Store, name: str, output: Path, fmt: str,
                   sessions: list[str] | None = None, dev_fraction: float = 0.2,
                   seed: int = 0) -> dict[str, int]:
    """Write the dataset; returns counts per file written."""
    from myna.data.formats import write_examples

    if fmt not in EXPORT_FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    ds = store.dataset(name)
    if fmt in ("jsonl", "prodigy"):
        examples = [answer_to_example(ds, a) for a in store.answers(ds, sessions)]
        return {str(output): write_examples(examples, output, fmt)}
    examples = final_examples(store, ds, sessions)
    if not examples:
        raise InputError(f"dataset {name!r} has no accepted answers to export")
    if fmt == "conll":
        if ds.kind != "ner":
            raise InputError("CoNLL holds entity tags; this is a text-classification dataset")
        return {str(output): write_examples(examples, output, "conll")}
    return _write_docbins(examples, output, dev_fraction, seed)


def _write_docbins(examples: list[Example], folder: Path, dev_fraction: float, seed: int,
                   ) -> dict[str, int]:
    """``train.spacy`` and ``dev.spacy`` (stratified), what `spacy train` and `myna train`
    read; ``dev_fraction`` 0 writes everything to ``train.spacy``."""
    from myna.data.formats import write_examples
    from myna.data.splits import train_dev_split

    if folder.suffix:
        raise InputError("--format spacy writes a folder (train.spacy, dev.spacy); give a "
                         "folder path", where=str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    if dev_fraction <= 0 or len(examples) < 2:
        return {str(folder / "train.spacy"): write_examples(examples, folder / "train.spacy")}
    train, dev = train_dev_split(examples, dev_fraction, seed)
    return {str(folder / "train.spacy"): write_examples(train, folder / "train.spacy"),
            str(folder / "dev.spacy"): write_examples(dev, folder / "dev.spacy")}
