"""NER, base vs custom: two models side by side on the same text, label filters per model,
displaCy rendering, an entity table each, and what only one of them found."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from myna.app.loading import predictor_or_error
from myna.app.render import entities_html, entity_frame, entity_keys
from myna.app.selection import text_to_use
from myna.app.settings import AppSettings


def render(settings: AppSettings, df: pd.DataFrame | None, problem: str | None) -> None:
    st.header("NER: base vs custom")
    text = text_to_use(df, settings, "ner")
    models = settings.models
    columns = st.columns(2)
    found: list[list[dict] | None] = []
    for side, column in enumerate(columns):
        with column:
            default = models[min(side, len(models) - 1)]
            ref = st.selectbox(("Base" if side == 0 else "Custom") + " model", models,
                               index=models.index(default), key=f"ner-model-{side}")
            predictor, error = predictor_or_error(ref)
            if predictor is None:
                st.error(error)
                found.append(None)
                continue
            if "ner" not in predictor.tasks:
                st.error(f"model {ref!r} has no entity recognizer")
                found.append(None)
                continue
            if text is None:
                found.append(None)
                continue
            entities = predictor.predict([text], "ner")[0]["entities"]
            labels = sorted({e["label"] for e in entities})
            keep = st.multiselect("Entity labels", labels, default=labels,
                                  key=f"ner-labels-{side}-{ref}")
            found.append([e for e in entities if e["label"] in keep])
    ready = [f for f in found if f is not None]
    if text is None or len(ready) != len(found):
        return
    base, custom = (entity_keys(f) for f in ready)
    for side, (column, entities) in enumerate(zip(columns, ready, strict=True)):
        only_here = (base - custom) if side == 0 else (custom - base)
        with column:
            st.html(entities_html(text, entities, only_here))
            st.dataframe(entity_frame(entities), width="stretch", hide_index=True)
    differences = [{"model": "base only", **r} for r in _rows(ready[0], base - custom)] + \
                  [{"model": "custom only", **r} for r in _rows(ready[1], custom - base)]
    st.subheader(f"Differences ({len(differences)})")
    st.caption("Entities marked * (in red) were found by that model only.")
    if differences:
        st.dataframe(pd.DataFrame(differences), width="stretch", hide_index=True)
    else:
        st.success("Both models found the same entities.")


def _rows(entities: list[dict], keys: set) -> list[dict]:
    return [{"text": e["text"], "label": e["label"], "start": e["start_char"],
             "end": e["end_char"]} for e in entities
            if (e["start_char"], e["end_char"], e["label"]) in keys]
