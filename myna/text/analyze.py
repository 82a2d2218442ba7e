"""`analyze()`: run a spaCy pipeline over any number of texts and return `Example` records."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacy.tokens import Doc

from myna.data.example import Example, Span, Token
from myna.errors import InputError
from myna.text.features import TOKEN_FEATURES, parse_features
from myna.text.models import load_pipeline
from myna.text.parallel import pipe_in_processes

if TYPE_CHECKING:
    from myna.text.linker import EntityLinker

DEFAULT_BATCH_SIZE = 256


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


def _as_example(item: Any, index: int, max_length: int) -> Example:
    if isinstance(item, Example):
        ex = item
    elif item is None:
        ex = Example(text="")
    elif isinstance(item, str):
        ex = Example(text=item)
    else:
        raise InputError(
            f"expected a string or an Example, got {type(item).__name__}", where=f"text #{index}"
        )
    if len(ex.text) > max_length:
        place = next((f"{k} {ex.meta[k]}" for k in ("line", "row") if k in ex.meta),
                     f"text #{index}")
        raise InputError(f"text of {len(ex.text):,} characters is over the pipeline's limit of "
                         f"{max_length:,}; split it into smaller documents", where=place)
    return ex


def resolve_n_process(n_process: int | None) -> int:
    """``None``/0 means one process per core."""
    return n_process if n_process and n_process > 0 else (os.cpu_count() or 1)


def analyze(
    texts: str | Iterable[str | Example],
    only: str | Iterable[str] | None = None,
    model: str | Path | None = None,
    *,
    n_process: int | None = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
    link: str | Path | EntityLinker | None = None,
) -> Iterator[Example]:
    """Analyse texts lazily, in input order, yielding one `Example` per text.

    ``only`` picks features (``"ner,pos"``); components nothing needs are not loaded or run.
    An ``Example`` input keeps its ``meta``/``cats`` and gets the analysis added.
    ``link`` is a knowledge-base file (or a loaded `EntityLinker`) whose ids go onto spans.
    """
    features = parse_features(only)
    if link is not None:
        features = features | {"ner"}
    nlp = load_pipeline(model, features)
    if isinstance(texts, str | Example):
        texts = [texts]
    inputs = (_as_example(t, i, nlp.max_length) for i, t in enumerate(texts))
    n_process = resolve_n_process(n_process)
    if n_process > 1:
        examples = pipe_in_processes(nlp, inputs, features, n_process, batch_size)
    else:
        pairs = ((ex.text, ex) for ex in inputs)
        docs = nlp.pipe(pairs, as_tuples=True, batch_size=batch_size)
        examples = (doc_to_example(doc, features, ex) for doc, ex in docs)
    if link is None:
        yield from examples
        return
    from myna.text.linker import EntityLinker

    linker = link if isinstance(link, EntityLinker) else EntityLinker.from_file(link)
    yield from linker.link_stream(examples)
