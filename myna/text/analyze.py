"""`analyze()`: run a spaCy pipeline over any number of texts and return `Example` records."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from myna.core.errors import InputError
from myna.core.example import Example
from myna.text.docs import doc_to_example
from myna.text.features import DEFAULT_BATCH_SIZE, parse_features
from myna.text.parallel import pipe_in_processes
from myna.text.pipelines import load_pipeline

if TYPE_CHECKING:
    from myna.text.linker import EntityLinker



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
