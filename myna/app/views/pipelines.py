"""The Pipelines page: pick a task and a model, type or pick an input, set the task's
parameters, and see the answer: the answer span highlighted in its context for question
answering, a table of scores for classification, entities, generated text, …"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import streamlit as st

from myna.app.loading import DEFAULT
from myna.app.selection import text_to_use
from myna.app.settings import AppSettings
from myna.app.views.task_page import able_predictor, show_record
from myna.core.errors import MynaError
from myna.tasks import Task, all_tasks

KEY = "pipelines"


def render(settings: AppSettings, df: pd.DataFrame | None, problem: str | None) -> None:
    st.header("Pipelines")
    tasks = {t.name: t for t in all_tasks()}
    name = st.selectbox("Task", list(tasks), key=f"{KEY}-task",
                        format_func=lambda n: f"{n}: {tasks[n].summary}")
    task = tasks[name]
    choices = [*settings.models, f"{DEFAULT}{task.model_kinds[0]}"]
    ref = st.selectbox("Model", choices, key=f"{KEY}-model", accept_new_options=True,
                       help="A model of the app, or type a directory / models:/NAME@ALIAS")
    predictor = able_predictor(ref, task)
    if predictor is None:
        return
    item = _input(task, df, settings)
    if item is None:
        return
    params = _params(task)
    try:
        row = predictor.predict([item], task.name, params=params)[0]
    except MynaError as err:
        st.error(str(err))
        return
    show(task, item, row)


def _input(task: Task, df: pd.DataFrame | None, settings: AppSettings) -> Any:
    if task.takes_text:
        if task.sample and df is None and f"{KEY}-{task.name}-text" not in st.session_state:
            st.session_state[f"{KEY}-{task.name}-text"] = task.sample
        return text_to_use(df, settings, f"{KEY}-{task.name}")
    sample = task.sample if isinstance(task.sample, dict) else {}
    record = {}
    for field in task.input.names:
        record[field] = st.text_area(field, value=sample.get(field, ""),
                                     key=f"{KEY}-{task.name}-{field}")
        if not record[field].strip():
            st.info(f"Type the {field} above.")
            return None
    return record


def _params(task: Task) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for p in task.params:
        key = f"{KEY}-{task.name}-{p.name}"
        default = task.sample_params.get(p.name, p.default)
        if p.kind is bool:
            out[p.name] = st.checkbox(p.name, value=bool(default), key=key, help=p.help)
        elif p.kind in (int, float) and default is not None:
            out[p.name] = st.number_input(p.name, value=p.kind(default), key=key, help=p.help)
        else:
            shown = ",".join(default) if isinstance(default, list) else (default or "")
            value = st.text_input(p.name, value=str(shown), key=key, help=p.help)
            if value.strip():
                out[p.name] = value
    return out


def show(task: Task, item: Any, row: dict[str, Any]) -> None:
    """The answer, shown the way its fields suggest."""
    if "cats" in row:
        scores = pd.DataFrame(sorted(row["cats"].items(), key=lambda kv: -kv[1]),
                              columns=["label", "score"])
        st.subheader(f"{row['label']} ({row['score']:.2f})")
        st.dataframe(scores, hide_index=True, width="stretch")
        return
    if "answers" in row and isinstance(item, dict):
        context = item.get("context", "")
        if row.get("start") is not None:
            s, e = row["start"], row["end"]
            st.markdown(html.escape(context[:s]) + f"<mark>{html.escape(context[s:e])}</mark>"
                        + html.escape(context[e:]), unsafe_allow_html=True)
        st.dataframe(pd.DataFrame(row["answers"]), hide_index=True, width="stretch")
        return
    show_record(row)
