"""displaCy pages (entities and dependencies) for analysed examples."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from spacy import displacy

from myna.core.atomic import atomic_path
from myna.core.example import Example


def ent_data(ex: Example, title: str | None = None) -> dict:
    return {"text": ex.text, "title": title,
            "ents": [{"start": s.start, "end": s.end,
                      "label": f"{s.label} · {s.kb_id}" if s.kb_id else s.label}
                     for s in ex.spans]}


def dep_data(ex: Example) -> dict:
    tokens = ex.tokens or []
    arcs = []
    for t in tokens:
        if t.head != t.i and t.dep:
            start, end = sorted((t.i, t.head))
            arcs.append({"start": start, "end": end, "label": t.dep,
                         "dir": "left" if t.i < t.head else "right"})
    return {"words": [{"text": t.text, "tag": t.pos} for t in tokens], "arcs": arcs}


def write_html(examples: Iterable[Example], out_dir: str | Path, dependencies: bool) -> list[Path]:
    """Write ``entities.html`` (and ``dependencies.html`` when parses exist); return the paths."""
    items = list(examples)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pages = {"entities.html": displacy.render(
        [ent_data(ex, f"#{i + 1}") for i, ex in enumerate(items)], style="ent", page=True,
        manual=True)}
    if dependencies:
        pages["dependencies.html"] = displacy.render(
            [dep_data(ex) for ex in items], style="dep", page=True, manual=True,
            options={"compact": True})
    written = []
    for name, html in pages.items():
        with atomic_path(out / name) as tmp:
            tmp.write_text(html, encoding="utf-8")
        written.append(out / name)
    return written
