"""Join a document's consecutive sentences into one example, as `spacy convert -n N` does.

CoNLL-2003 gives one sentence per example, but its sentences come in document order (marked
by ``-DOCSTART-`` lines where a copy keeps them), and a name is easier to read with its
neighbours: a headline in capitals, a sports-table row, a surname met again after the full
name. A transformer tagger that sees joined sentences reads each word with that context (and
cuts a text longer than its window at word boundaries); entity spans and their count do not
change, so scores stay comparable.

A reader option (`myna train ner --join-sentences N`, `myna evaluate --join-sentences N`):
train and score with the same N, as a user tags whole documents.
"""

from __future__ import annotations

from collections.abc import Iterable

from myna.core.errors import InputError
from myna.core.example import Example, Span, Token

WHOLE_DOCUMENT = 0


def join_sentences(examples: Iterable[Example], n: int, where: str = "") -> list[Example]:
    """Consecutive examples joined ``n`` at a time, separated by a space, never across a
    document boundary the file marks (``meta["doc"]``: the CoNLL reader counts
    ``-DOCSTART-`` lines); 0 joins each marked document whole."""
    if n < 0:
        raise InputError(f"--join-sentences must be 0 (whole documents) or more, not {n}")
    items = list(examples)
    if any(ex.cats for ex in items):
        raise InputError("--join-sentences joins sentences annotated with entities; these "
                         "examples have categories, which a joined text could not keep",
                         where=where)
    if n == WHOLE_DOCUMENT and not any(ex.meta.get("doc") for ex in items):
        raise InputError("--join-sentences 0 joins whole documents, but this file marks none "
                         "(no -DOCSTART- lines); give a number of sentences", where=where)
    groups: list[list[Example]] = []
    for ex in items:
        same_doc = bool(groups) and groups[-1][-1].meta.get("doc") == ex.meta.get("doc")
        if same_doc and (n == WHOLE_DOCUMENT or len(groups[-1]) < n):
            groups[-1].append(ex)
        else:
            groups.append([ex])
    return [_joined(group) for group in groups]


def _joined(group: list[Example]) -> Example:
    if len(group) == 1:
        return group[0]
    texts: list[str] = []
    spans: list[Span] = []
    tokens: list[Token] | None = []
    offset = 0
    for ex in group:
        texts.append(ex.text)
        spans.extend(Span(s.start + offset, s.end + offset, s.label, s.kb_id, s.score)
                     for s in ex.spans)
        if tokens is not None and ex.tokens is not None:
            first = len(tokens)
            tokens.extend(Token(i=first + t.i, text=t.text, start=t.start + offset,
                                end=t.end + offset) for t in ex.tokens)
        else:
            tokens = None  # one sentence without its own tokens: spaCy tokenises the text
        offset += len(ex.text) + 1
    meta = dict(group[0].meta, sentences=len(group))
    return Example(text=" ".join(texts), spans=spans, meta=meta, tokens=tokens)
