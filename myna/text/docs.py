"""spaCy ``Doc`` → `Example`: the one place analysis results leave spaCy's objects."""

from __future__ import annotations

from spacy.tokens import Doc

from myna.core.example import Example, Span, Token
from myna.text.features import TOKEN_FEATURES


def doc_to_example(doc: Doc, features: frozenset[str], base: Example | None = None) -> Example:
    """Copy what ``features`` asked for from a spaCy ``Doc`` onto an ``Example``."""
    ex = base if base is not None else Example(text=doc.text)
    if "ner" in features:
        ex.spans = [
            Span(e.start_char, e.end_char, e.label_, kb_id=e.kb_id_ or None) for e in doc.ents
        ]
    if features & TOKEN_FEATURES:
        ex.tokens = [
            Token(
                i=t.i, text=t.text, start=t.idx, end=t.idx + len(t.text), pos=t.pos_,
                tag=t.tag_, dep=t.dep_, head=t.head.i, lemma=t.lemma_, is_stop=t.is_stop,
            )
            for t in doc
        ]
    if "sents" in features:
        ex.sents = [(s.start_char, s.end_char) for s in doc.sents] if len(doc) else []
    if "noun_chunks" in features:
        ex.noun_chunks = [(c.start_char, c.end_char) for c in doc.noun_chunks]
    return ex
