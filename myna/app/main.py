"""`myna app`'s Streamlit script: a sidebar to pick the page and the article, then the page."""

from __future__ import annotations

import streamlit as st

from myna.app.loading import table_or_error
from myna.app.selection import sidebar_selection
from myna.app.settings import AppSettings
from myna.app.views import analysis, annotation, classify, explorer, models, ner

PAGES = {
    "Dataset explorer": explorer.render,
    "NER: base vs custom": ner.render,
    "Text classification": classify.render,
    "Analysis": analysis.render,
    "Models": models.render,
    "Annotation progress": annotation.render,
}


def main() -> None:
    st.set_page_config(page_title="Myna", page_icon=None, layout="wide")
    settings = AppSettings.from_env()
    st.sidebar.title("Myna")
    page = st.sidebar.radio("Page", list(PAGES), key="page")
    df, problem = table_or_error(settings)
    if problem:
        st.sidebar.error(problem)
    if df is not None:
        sidebar_selection(df, settings)
    PAGES[page](settings, df, problem)


main()
