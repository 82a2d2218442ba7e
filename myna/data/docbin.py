"""spaCy ``DocBin`` files (``.spacy``), the format ``spacy train`` reads."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from myna.core.errors import InputError
from myna.core.example import Example, Span, Token


def _vocab():
    import spacy

    return spacy.blank("en")


def read_docbin(path: Path) -> Iterator[Example]:
    from spacy.tokens import DocBin

    nlp = _vocab()
    try:
        db = DocBin().from_disk(path)
    except Exception as err:  # spaCy raises several types for a corrupt file
        raise InputError(f"not a spaCy DocBin file ({err})", where=str(path)) from None
    for i, doc in enumerate(db.get_docs(nlp.vocab)):
        meta = dict(doc.user_data.get("myna_meta", {}))
        meta.setdefault("doc", i)
        yield Example(
            text=doc.text,
            spans=[Span(e.start_char, e.end_char, e.label_, kb_id=e.kb_id_ or None)
                   for e in doc.ents],
            cats=dict(doc.cats),
            meta=meta,
            tokens=[Token(i=t.i, text=t.text, start=t.idx, end=t.idx + len(t.text))
                    for t in doc],
        )


def make_doc(ex: Example, nlp):
    """A Doc with the example's own tokens where it has them (CoNLL), else the pipeline's."""
    from spacy.tokens import Doc

    if not ex.tokens:
        return nlp.make_doc(ex.text)
    words = [t.text for t in ex.tokens]
    spaces = [t.end < (ex.tokens[k + 1].start if k + 1 < len(ex.tokens) else t.end)
              for k, t in enumerate(ex.tokens)]
    return Doc(nlp.vocab, words=words, spaces=spaces)


def example_to_doc(ex: Example, nlp, where: str):
    doc = make_doc(ex, nlp)
    ents = []
    for s in ex.spans:
        span = doc.char_span(s.start, s.end, label=s.label, kb_id=s.kb_id or "")
        if span is None:
            raise InputError(
                f"span {ex.text[s.start:s.end]!r} ({s.start}-{s.end} {s.label}) does not "
                "fall on token boundaries", where=where)
        ents.append(span)
    try:
        doc.ents = ents
    except ValueError:
        raise InputError("entity spans overlap", where=where) from None
    doc.cats = dict(ex.cats)
    if ex.meta:
        doc.user_data["myna_meta"] = {k: v for k, v in ex.meta.items()
                                      if isinstance(v, str | int | float | bool)}
    return doc


def write_docbin(examples: Iterable[Example], path: Path, nlp=None) -> int:
    from spacy.tokens import DocBin

    nlp = nlp or _vocab()
    db = DocBin(store_user_data=True)
    n = 0
    for n, ex in enumerate(examples, start=1):
        db.add(example_to_doc(ex, nlp, where=f"example {n}"))
    db.to_disk(path)
    return n
