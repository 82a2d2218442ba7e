"""displaCy HTML and tables for entity and analysis results, and dataset text made safe to
show: never read as Markdown (a ``![](http://…)`` in a news text must not make the viewer's
browser fetch anything), and cut to a size a browser shows comfortably."""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from typing import Any

import pandas as pd
from spacy import displacy

# Entities found by only one of two models are drawn in this colour, their label starred
# (displaCy colours by label, so the star keeps a shared entity of the same label plain).
DIFFERENCE_COLOR = "#ff9f9f"
ONLY_HERE = "*"


SHOWN_CHARS = 20_000  # of one article's text
CELL_CHARS = 300  # of one table cell
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def escape_markdown(text: str) -> str:
    """Text that Markdown shows as it is (every markup character backslash-escaped)."""
    return _MARKDOWN.sub(r"\\\1", text)


def shorten(text: str, limit: int) -> tuple[str, int]:
    """The first ``limit`` characters and how many were left out."""
    return (text, 0) if len(text) <= limit else (text[:limit], len(text) - limit)


def shortened_cells(frame: pd.DataFrame, limit: int = CELL_CHARS) -> pd.DataFrame:
    """A copy whose long text cells end in "…" after ``limit`` characters."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(
                lambda v: v[:limit] + "…" if isinstance(v, str) and len(v) > limit else v)
    return out


def entities_html(text: str, entities: list[dict[str, Any]],
                  only_here: AbstractSet[tuple[int, int, str]] = frozenset()) -> str:
    """displaCy's entity view (it escapes the text) from the book's entity records."""
    ents, colors = [], {}
    for e in entities:
        label = e["label"]
        if (e["start_char"], e["end_char"], label) in only_here:
            label += ONLY_HERE
            colors[label] = DIFFERENCE_COLOR
        ents.append({"start": e["start_char"], "end": e["end_char"], "label": label})
    return displacy.render({"text": text, "ents": ents}, style="ent", manual=True,
                           options={"colors": colors})


def entity_frame(entities: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame([{"text": e["text"], "label": e["label"], "start": e["start_char"],
                          "end": e["end_char"]} for e in entities],
                        columns=["text", "label", "start", "end"])


def entity_keys(entities: list[dict[str, Any]]) -> set[tuple[int, int, str]]:
    return {(e["start_char"], e["end_char"], e["label"]) for e in entities}


def dependencies_html(tokens: list[dict[str, Any]]) -> str:
    words = [{"text": t["text"], "tag": t["pos"]} for t in tokens]
    arcs = []
    for t in tokens:
        if t["head"] != t["i"] and t["dep"]:
            start, end = sorted((t["i"], t["head"]))
            arcs.append({"start": start, "end": end, "label": t["dep"],
                         "dir": "left" if t["i"] < t["head"] else "right"})
    return displacy.render({"words": words, "arcs": arcs}, style="dep", manual=True,
                           options={"compact": True, "distance": 110})
