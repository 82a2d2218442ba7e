"""Linguistic analysis of typed text: tokens, POS, lemmas, dependencies (displaCy), noun chunks,
sentences, and entities linked to the knowledge base when one is configured."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from myna.app.loading import load_linker, predictor_or_error
from myna.app.render import dependencies_html, entities_html
from myna.app.selection import text_to_use
from myna.app.settings import AppSettings


def render(settings: AppSettings, df: pd.DataFrame | None, problem: str | None) -> None:
    st.header("Analysis")
    ref = st.selectbox("Model", settings.models, key="analysis-model")
    predictor, error = predictor_or_error(ref)
    if predictor is None:
        st.error(error)
        return
    text = text_to_use(df, settings, "analysis")
    if text is None:
        return
    row = predictor.predict([text], "analyze")[0]
    tokens = [{"i": i, **t} for i, t in enumerate(row.get("tokens") or [])]
    st.subheader("Tokens")
    st.dataframe(pd.DataFrame(tokens, columns=["i", "text", "lemma", "pos", "tag", "dep",
                                               "head", "is_stop"]),
                 width="stretch", hide_index=True)
    if tokens and any(t.get("dep") for t in tokens):
        st.subheader("Dependencies")
        st.html(dependencies_html(tokens))
    left, right = st.columns(2)
    left.subheader("Noun chunks")
    left.write([c["text"] for c in row.get("noun_chunks") or []] or "none")
    right.subheader("Sentences")
    right.write([s["text"] for s in row.get("sents") or []] or "none")
    st.subheader("Entities")
    entities = row.get("entities") or []
    if settings.kb and "ner" in predictor.tasks:
        from myna.text.docs import doc_to_example

        doc = predictor.task("ner").forward(predictor.model, [text])[0]
        example = doc_to_example(doc, frozenset({"ner"}))
        entities = load_linker(settings.kb).link([example])[0].entities()
    st.html(entities_html(text, entities))
    frame = pd.DataFrame([{"text": e["text"], "label": e["label"], "start": e["start_char"],
                           "end": e["end_char"], "kb_id": e.get("kb_id")} for e in entities],
                         columns=["text", "label", "start", "end", "kb_id"])
    st.dataframe(frame, width="stretch", hide_index=True)
    if not settings.kb:
        st.caption("No knowledge base configured: start with `myna app --kb companies.jsonl` "
                   "to link entities.")
