"""The Search page: pick an index (one of the app's models that is an index, or a typed
folder), type a query, narrow by metadata, and see the hits with their scores and the query's
words highlighted in the text."""

from __future__ import annotations

import html
import re
from typing import Any

import pandas as pd
import streamlit as st

from myna.app.settings import AppSettings
from myna.app.views.task_page import able_predictor
from myna.core.errors import MynaError
from myna.tasks import get_task

KEY = "search"
WORD = re.compile(r"\w{3,}")


def highlighted(text: str, query: str) -> str:
    """``text`` as HTML with the query's words (three letters or more) marked."""
    words = {w.lower() for w in WORD.findall(query)}
    out, last = [], 0
    for m in WORD.finditer(text):
        if m.group().lower() in words:
            out += [html.escape(text[last:m.start()]), f"<mark>{html.escape(m.group())}</mark>"]
            last = m.end()
    return "".join(out) + html.escape(text[last:])


def render(settings: AppSettings, df: Any, problem: str | None) -> None:
    st.header("Search")
    task = get_task("search")
    ref = st.selectbox("Index", settings.models, key=f"{KEY}-index", accept_new_options=True,
                       help="An index folder (`myna index build`)")
    predictor = able_predictor(ref, task)
    if predictor is None:
        return
    store = predictor.model.obj
    st.caption(f"{store.count:,} entries · {store.engine} search · encoder "
               f"{store.encoder.get('ref')}")
    query = st.text_input("Query", key=f"{KEY}-query", placeholder="What are you looking for?")
    k = st.slider("Hits", 1, 50, 10, key=f"{KEY}-k")
    filters = []
    for column in store.meta_columns:
        value = st.text_input(f"{column} is", key=f"{KEY}-filter-{column}")
        if value.strip():
            filters.append(f"{column}={value.strip()}")
    if not query.strip():
        st.info("Type a query above.")
        return
    try:
        hits = predictor.predict([{"query": query}], task.name,
                                 params={"k": k, "filters": filters or None})[0]["hits"]
    except MynaError as err:
        st.error(str(err))
        return
    if not hits:
        st.warning("No entry matches these filters.")
        return
    st.dataframe(pd.DataFrame([{"id": h["id"], "score": round(h["score"], 3),
                                **(h["meta"] or {})} for h in hits]),
                 hide_index=True, width="stretch")
    for n, hit in enumerate(hits, start=1):
        st.markdown(f"**{n}. {html.escape(hit['id'])}** · {hit['score']:.3f}<br>"
                    + highlighted(hit["text"], query), unsafe_allow_html=True)
