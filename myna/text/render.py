"""Rich tables for analysis results."""

from __future__ import annotations

from collections.abc import Iterable

import spacy
from rich.table import Table

from myna.core.example import Example


def entity_table(examples: Iterable[tuple[int, Example]], title: str = "Entities",
                 show_doc: bool = True, limit: int | None = None) -> tuple[Table, int]:
    """Entities of many documents in one table; returns the table and how many rows it left out."""
    table = Table(title=title, title_justify="left")
    if show_doc:
        table.add_column("#", justify="right")
    explain = not show_doc  # the label glossary only fits beside one document's entities
    for col in ("Text", "Start", "End", "Label", *(["Meaning"] if explain else [])):
        table.add_column(col, justify="right" if col in ("Start", "End") else "left")
    linked = False
    rows: list[tuple[int, str, int, int, str, str | None]] = []
    left_out = 0
    for n, ex in examples:
        for s in ex.spans:
            if limit is not None and len(rows) >= limit:
                left_out += 1
                continue
            linked = linked or s.kb_id is not None
            rows.append((n, ex.text[s.start:s.end], s.start, s.end, s.label, s.kb_id))
    if linked:
        table.add_column("KB id")
    for n, text, start, end, label, kb_id in rows:
        cells = [str(n)] if show_doc else []
        cells += [text, str(start), str(end), label]
        if explain:
            cells.append(spacy.explain(label) or "")
        if linked:
            cells.append(kb_id or "")
        table.add_row(*cells)
    return table, left_out


def token_table(ex: Example) -> Table:
    table = Table(title="Tokens", title_justify="left")
    for col in ("#", "Text", "POS", "POS meaning", "Tag", "Dep", "Dep meaning", "Head", "Lemma"):
        table.add_column(col, justify="right" if col == "#" else "left")
    for t in ex.tokens or []:
        head = ex.tokens[t.head].text if ex.tokens and t.dep else ""
        table.add_row(str(t.i), t.text, t.pos, spacy.explain(t.pos) or "" if t.pos else "",
                      t.tag, t.dep, spacy.explain(t.dep) or "" if t.dep else "", head, t.lemma)
    return table


def span_list_table(ex: Example, spans: list[tuple[int, int]], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for col in ("Text", "Start", "End"):
        table.add_column(col, justify="left" if col == "Text" else "right")
    for start, end in spans:
        table.add_row(ex.text[start:end], str(start), str(end))
    return table
