"""The one record type that travels through Myna: text, character spans, categories, meta."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Span:
    """A labelled character range ``text[start:end]``, optionally linked to a KB id."""

    start: int
    end: int
    label: str
    kb_id: str | None = None
    score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"start": self.start, "end": self.end, "label": self.label}
        if self.kb_id is not None:
            out["kb_id"] = self.kb_id
        if self.score is not None:
            out["score"] = self.score
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Span:
        return cls(
            start=int(data["start"]),
            end=int(data["end"]),
            label=str(data["label"]),
            kb_id=data.get("kb_id") or None,
            score=data.get("score"),
        )


@dataclass(slots=True)
class Token:
    """One token of an analysed text, as spaCy saw it."""

    i: int
    text: str
    start: int
    end: int
    pos: str = ""
    tag: str = ""
    dep: str = ""
    head: int = 0
    lemma: str = ""
    is_stop: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "i": self.i,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "pos": self.pos,
            "tag": self.tag,
            "dep": self.dep,
            "head": self.head,
            "lemma": self.lemma,
            "is_stop": self.is_stop,
        }


@dataclass(slots=True)
class Example:
    """A text with its annotations.

    ``spans`` are entities (or any labelled spans), ``cats`` map a label to a score,
    ``meta`` carries source, ids, annotator and timestamps. Linguistic analysis, when
    asked for, fills ``tokens``, ``sents`` and ``noun_chunks``; they stay ``None`` otherwise
    so a record that was not analysed is distinguishable from one with no tokens.
    """

    text: str
    spans: list[Span] = field(default_factory=list)
    cats: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    tokens: list[Token] | None = None
    sents: list[tuple[int, int]] | None = None
    noun_chunks: list[tuple[int, int]] | None = None

    def span_text(self, span: Span | tuple[int, int]) -> str:
        start, end = (span.start, span.end) if isinstance(span, Span) else span
        return self.text[start:end]

    def entities(self) -> list[dict[str, Any]]:
        """Spans in the book's schema: ``{text, start_char, end_char, label[, kb_id]}``."""
        out = []
        for s in self.spans:
            ent: dict[str, Any] = {
                "text": self.text[s.start : s.end],
                "start_char": s.start,
                "end_char": s.end,
                "label": s.label,
            }
            if s.kb_id is not None:
                ent["kb_id"] = s.kb_id
            out.append(ent)
        return out

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "spans": [s.to_dict() for s in self.spans]}
        if self.cats:
            out["cats"] = dict(self.cats)
        if self.meta:
            out["meta"] = dict(self.meta)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Example:
        return cls(
            text=data["text"],
            spans=[Span.from_dict(s) for s in data.get("spans") or []],
            cats={str(k): float(v) for k, v in (data.get("cats") or {}).items()},
            meta=dict(data.get("meta") or {}),
        )

    def validate(self, where: str | None = None) -> None:
        """Raise if a span falls outside the text or is empty."""
        from myna.core.errors import InputError

        n = len(self.text)
        for s in self.spans:
            if not (0 <= s.start < s.end <= n):
                raise InputError(
                    f"span {s.start}-{s.end} ({s.label}) is outside the text of length {n}",
                    where=where,
                )
