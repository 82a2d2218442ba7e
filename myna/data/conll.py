"""CoNLL-2003 style files: one ``token ... TAG`` per line, blank line between sentences.

Reading accepts BIO, IOB1 (``I-`` opens an entity unless the previous token has the same
type) and BILOU/IOBES, since one lenient decoder reads all of them the same way. Writing
produces BIO or IOB1.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from myna.core.errors import InputError
from myna.core.example import Example, Span, Token
from myna.data.cells import check_utf8

TAG_RE = re.compile(r"^(?:O|[BIELSU]-\S+)$")
SCHEMES = ("bio", "iob1")


def read_conll(path: Path, encoding: str = "utf-8") -> Iterator[Example]:
    words: list[str] = []
    tags: list[str] = []
    first_line = 0
    doc = 0
    with open(path, encoding=encoding, errors="surrogateescape") as f:
        for lineno, line in enumerate(f, start=1):
            where = f"{path}:{lineno}"
            parts = check_utf8(line, where).split()
            if parts and parts[0] == "-DOCSTART-":
                doc += 1
                continue
            if not parts:
                if words:
                    yield _sentence(words, tags, path, first_line, doc)
                    words, tags = [], []
                continue
            if len(parts) < 2:
                raise InputError(f"expected 'token TAG', found {line.strip()!r}", where=where)
            tag = parts[-1]
            if not TAG_RE.match(tag):
                raise InputError(f"{tag!r} is not a BIO/IOB1/BILOU tag", where=where)
            if not words:
                first_line = lineno
            words.append(parts[0])
            tags.append(tag)
    if words:
        yield _sentence(words, tags, path, first_line, doc)


def _sentence(words: list[str], tags: list[str], path: Path, line: int, doc: int) -> Example:
    tokens, offset = [], 0
    for i, w in enumerate(words):
        tokens.append(Token(i=i, text=w, start=offset, end=offset + len(w)))
        offset += len(w) + 1
    spans: list[Span] = []
    open_label: str | None = None
    open_start = prev_end = 0
    for tok, tag in zip(tokens, tags, strict=True):
        prefix, label = (tag[0], tag[2:]) if tag != "O" else ("O", "")
        continues = open_label == label and prefix in ("I", "E", "L")
        if open_label is not None and not continues:
            spans.append(Span(open_start, prev_end, open_label))
            open_label = None
        if prefix != "O" and open_label is None:
            open_label, open_start = label, tok.start
        prev_end = tok.end
        if prefix in ("E", "L", "U", "S") and open_label is not None:
            spans.append(Span(open_start, tok.end, open_label))
            open_label = None
    if open_label is not None:
        spans.append(Span(open_start, tokens[-1].end, open_label))
    text = " ".join(words)
    return Example(text=text, spans=spans, tokens=tokens,
                   meta={"source": str(path), "line": line, "doc": doc})


def tokens_for(ex: Example) -> list[Token]:
    """The example's own tokens, else spaCy's English tokenizer (the one the models use)."""
    if ex.tokens:
        return ex.tokens
    return [Token(i=t.i, text=t.text, start=t.idx, end=t.idx + len(t.text))
            for t in _tokenizer()(ex.text)]


_TOKENIZER = None


def _tokenizer():
    global _TOKENIZER
    if _TOKENIZER is None:
        import spacy

        _TOKENIZER = spacy.blank("en").tokenizer
    return _TOKENIZER


def example_to_tags(ex: Example, scheme: str = "bio", where: str = "") -> list[tuple[str, str]]:
    tokens = [t for t in tokens_for(ex) if t.text.strip()]
    tags = ["O"] * len(tokens)
    starts = {t.start: i for i, t in enumerate(tokens)}
    ends = {t.end: i for i, t in enumerate(tokens)}
    for s in sorted(ex.spans, key=lambda s: s.start):
        if s.start not in starts or s.end not in ends:
            raise InputError(
                f"span {ex.text[s.start:s.end]!r} ({s.start}-{s.end} {s.label}) does not fall "
                "on token boundaries", where=where)
        first, last = starts[s.start], ends[s.end]
        if any(t != "O" for t in tags[first:last + 1]):
            raise InputError(f"span {ex.text[s.start:s.end]!r} overlaps another span",
                             where=where)
        for i in range(first, last + 1):
            tags[i] = f"I-{s.label}"
        if scheme == "bio" or (first > 0 and tags[first - 1] == f"I-{s.label}"):
            tags[first] = f"B-{s.label}"
    return [(t.text, tag) for t, tag in zip(tokens, tags, strict=True)]


def write_conll(examples: Iterable[Example], path: Path, scheme: str = "bio") -> int:
    if scheme not in SCHEMES:
        raise InputError(f"unknown scheme {scheme!r}; use one of {', '.join(SCHEMES)}")
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for n, ex in enumerate(examples, start=1):
            for word, tag in example_to_tags(ex, scheme, where=f"example {n}"):
                f.write(f"{word} {tag}\n")
            f.write("\n")
    return n
