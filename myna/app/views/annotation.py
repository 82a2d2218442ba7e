"""Annotation progress from the annotation store: datasets, answers per label and per session."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from myna.app.settings import AppSettings
from myna.core.errors import MynaError


def render(settings: AppSettings, df: pd.DataFrame | None, problem: str | None) -> None:
    st.header("Annotation progress")
    from myna.annotate.database import open_store

    try:
        store = open_store(settings.db)
        datasets = store.datasets()
    except MynaError as err:
        st.error(str(err))
        return
    if not datasets:
        st.info("No annotation datasets yet: `myna annotate ner.manual DATASET SOURCE …`.")
        return
    rows = []
    for ds in datasets:
        c = store.counts(ds)
        rows.append({"dataset": ds.name, "kind": ds.kind, "texts": c["examples"],
                     "answered": c["answered"],
                     "answers": sum(sum(v.values()) for v in c["sessions"].values())})
    st.dataframe(pd.DataFrame(rows), width="stretch", hide_index=True)
    name = st.selectbox("Dataset", [d.name for d in datasets], key="annotation-dataset")
    ds = store.dataset(name)
    counts = store.counts(ds)
    per_session = pd.DataFrame([{"session": s, **c} for s, c in counts["sessions"].items()])
    per_label = store.label_counts(ds)
    left, right = st.columns(2)
    left.subheader("Answers per session")
    left.dataframe(per_session, width="stretch", hide_index=True)
    right.subheader("Accepted answers per label")
    if per_label:
        right.bar_chart(pd.DataFrame(sorted(per_label.items()), columns=["label", "answers"]),
                        x="label", y="answers")
    else:
        right.write("none yet")
