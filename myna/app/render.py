"""displaCy HTML and tables for entity and analysis results."""

from __future__ import annotations

from typing import Any

import pandas as pd
from spacy import displacy

# Entities found by only one of two models are drawn in this colour.
DIFFERENCE_COLOR = "#ff9f9f"


def entities_html(text: str, entities: list[dict[str, Any]],
                  colors: dict[str, str] | None = None) -> str:
    """displaCy's entity view (it escapes the text) from the book's entity records."""
    data = {"text": text, "ents": [{"start": e["start_char"], "end": e["end_char"],
                                    "label": e["label"]} for e in entities]}
    return displacy.render(data, style="ent", manual=True, options={"colors": colors or {}})


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
