"""Dataset explorer (the book's sidebar app): the full table of a category, paged, and the
selected article."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from myna.app.render import SHOWN_CHARS, escape_markdown, shorten, shortened_cells
from myna.app.selection import ALL, category_rows, clamp, selected_article
from myna.app.settings import AppSettings

PAGE_SIZE = 50


def render(settings: AppSettings, df: pd.DataFrame | None, problem: str | None) -> None:
    st.header("Dataset explorer")
    if df is None:
        if problem:
            st.error(problem)
        else:
            st.info("No dataset: start the app with `myna app --data FILE --text-column C "
                    "[--label-column L]`.")
        return
    views = st.multiselect("Show", ["Full data", "Single article"],
                           default=["Full data", "Single article"], key="views")
    rows = category_rows(df, settings)
    category = st.session_state.get("category", ALL)
    if "Single article" in views:
        row = selected_article(df, settings)
        if row is not None:
            n = st.session_state.get("article", 1)
            st.subheader(f"Article {n} · {category}")
            if settings.title_column:
                st.markdown(f"**{escape_markdown(str(row[settings.title_column]))}**")
            text, left_out = shorten(str(row[settings.text_column]), SHOWN_CHARS)
            st.text(text)  # plain text: a dataset's Markdown or links are not rendered
            if left_out:
                st.caption(f"… {left_out:,} more characters not shown")
    if "Full data" in views:
        pages = max(1, -(-len(rows) // PAGE_SIZE))
        clamp("table-page", pages)
        st.subheader(f"{category}: {len(rows):,} rows")
        page = st.number_input(f"Table page (1-{pages:,})", min_value=1, max_value=pages,
                               step=1, key="table-page")
        start = (int(page) - 1) * PAGE_SIZE
        shown = rows.iloc[start:start + PAGE_SIZE]
        st.dataframe(shortened_cells(shown), width="stretch")
        st.caption(f"rows {start + 1:,}-{start + len(shown):,} of {len(rows):,}")
