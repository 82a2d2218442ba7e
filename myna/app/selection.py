"""The sidebar's dataset selection (category, article) and the text a page works on."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from myna.app.settings import AppSettings

ALL = "All categories"


def category_rows(df: pd.DataFrame, settings: AppSettings) -> pd.DataFrame:
    category = st.session_state.get("category", ALL)
    if settings.label_column and category != ALL:
        return df[df[settings.label_column] == category]
    return df


def clamp(key: str, largest: int) -> None:
    """Keep a number widget's kept value within a range that just shrank (another category)."""
    if st.session_state.get(key, 1) > largest:
        st.session_state[key] = largest


def sidebar_selection(df: pd.DataFrame, settings: AppSettings) -> None:
    """Category and article number, kept in the session for every page."""
    st.sidebar.subheader("Data")
    if settings.label_column:
        labels = sorted(v for v in df[settings.label_column].unique() if v != "")
        st.sidebar.selectbox("Category", [ALL, *labels], key="category")
    rows = category_rows(df, settings)
    clamp("article", max(1, len(rows)))
    st.sidebar.number_input(f"Article number (1-{len(rows):,})", min_value=1,
                            max_value=max(1, len(rows)), step=1, key="article")


def selected_article(df: pd.DataFrame, settings: AppSettings) -> pd.Series | None:
    rows = category_rows(df, settings)
    if rows.empty:
        return None
    n = min(int(st.session_state.get("article", 1)), len(rows))
    return rows.iloc[n - 1]


def text_to_use(df: pd.DataFrame | None, settings: AppSettings, key: str) -> str | None:
    """The selected article's text, or text typed into the page; None (with a message shown)
    when there is none or it is too long to run here."""
    choices = ["Selected article", "Custom text"] if df is not None else ["Custom text"]
    source = st.radio("Text", choices, horizontal=True, key=f"{key}-source")
    if source == "Selected article":
        row = selected_article(df, settings)
        if row is None:
            st.warning("No article in this category.")
            return None
        text = str(row[settings.text_column])
        st.caption(f"Article {st.session_state.get('article', 1)} of "
                   f"{st.session_state.get('category', ALL)}")
    else:
        text = st.text_area("Text to analyse", key=f"{key}-text", height=150,
                            placeholder="Paste or type a text…")
    if not text.strip():
        st.info("Type a text above (or pick an article in the sidebar).")
        return None
    if len(text) > settings.max_chars:
        st.error(f"The text has {len(text):,} characters; this page runs texts of up to "
                 f"{settings.max_chars:,}. Use `myna analyze --file` or `myna batch run` for "
                 "longer documents.")
        return None
    return text
