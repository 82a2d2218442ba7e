"""The page of a task that brings no page of its own: pick a model that can do it, run it on
the selected article or typed text, and show the record (lists as tables)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from myna.app.loading import DEFAULT, predictor_or_error
from myna.app.selection import text_to_use
from myna.app.settings import AppSettings
from myna.tasks import Predictor, Task


def title(task: Task) -> str:
    return f"{task.summary or task.name} ({task.name})"


def models_for(task: Task, settings: AppSettings) -> list[str]:
    """The app's models that can do the task; else the default model of the task's kind."""
    able = []
    for ref in settings.models:
        predictor, _ = predictor_or_error(ref)
        if predictor is not None and task.name in predictor.tasks:
            able.append(ref)
    return able or [f"{DEFAULT}{task.model_kinds[0]}"]


def render(task: Task, settings: AppSettings, df: pd.DataFrame | None,
           problem: str | None) -> None:
    st.header(title(task))
    ref = st.selectbox("Model", models_for(task, settings), key=f"{task.name}-model")
    predictor = able_predictor(ref, task)
    if predictor is None:
        return
    text = text_to_use(df, settings, task.name)
    if text is None:
        return
    show_record(predictor.predict([text], task.name)[0])


def able_predictor(ref: str, task: Task) -> Predictor | None:
    """The model behind ``ref`` when it loads and can do ``task``; else a message, None."""
    predictor, error = predictor_or_error(ref)
    if predictor is None:
        st.error(error)
        return None
    if task.name not in predictor.tasks:
        st.error(f"model {ref!r} cannot do {task.name!r} (it can do "
                 f"{', '.join(predictor.tasks)})")
        return None
    return predictor


def show_record(row: dict) -> None:
    """Each field of an answer: lists of records as tables, long lists cut, the rest as is."""
    for column, value in row.items():
        if column == "error":
            continue
        st.subheader(column)
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            st.dataframe(pd.DataFrame(value), width="stretch", hide_index=True)
        elif isinstance(value, list) and len(value) > 20:
            st.caption(f"{len(value)} values; the first 20:")
            st.write(value[:20])
        else:
            st.write(value)
