"""`myna app`'s Streamlit script: a sidebar to pick the page and the article, then the page."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

import streamlit as st

from myna.app.loading import table_or_error
from myna.app.selection import sidebar_selection
from myna.app.settings import AppSettings
from myna.app.views import annotation, explorer, monitoring, registry, task_page
from myna.tasks import all_tasks

Page = Callable[[AppSettings, Any, str | None], None]


def pages() -> dict[str, Page]:
    """The explorer, a page per registered task (its own, or the generic one), the registry,
    annotation progress and monitoring."""
    out: dict[str, Page] = {"Dataset explorer": explorer.render}
    for task in all_tasks():
        if not task.has_app_page:
            continue
        if task.app_page is None:
            out[task_page.title(task)] = functools.partial(task_page.render, task)
        else:
            title, target = task.app_page
            module, function = target.split(":")
            out[title] = getattr(importlib.import_module(module), function)
    out["Models"] = registry.render
    out["Annotation progress"] = annotation.render
    out["Monitoring"] = monitoring.render
    return out


def main() -> None:
    st.set_page_config(page_title="Myna", page_icon=None, layout="wide")
    settings = AppSettings.from_env()
    st.sidebar.title("Myna")
    found = pages()
    page = st.sidebar.radio("Page", list(found), key="page")
    df, problem = table_or_error(settings)
    if problem:
        st.sidebar.error(problem)
    if df is not None:
        sidebar_selection(df, settings)
    found[page](settings, df, problem)


main()
