"""The model registry: registered models, their versions, aliases and evaluation metrics, and
the per-label F1 of the selected version."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from myna.app.settings import AppSettings
from myna.core.errors import MynaError

PER_LABEL = re.compile(r"^final\.(?:ents_per_type|cats_f_per_type)\.(.+)\.f$")


@st.cache_data(ttl=30, show_spinner="Reading the registry…")
def _registry() -> list[dict]:
    from myna.registry.client import list_models

    return list_models()


@st.cache_data(ttl=30)
def _versions(name: str) -> list[dict]:
    from myna.registry.client import versions

    return [v.__dict__ for v in versions(name)]


def per_label_f1(metrics: dict[str, float]) -> pd.DataFrame:
    rows = [{"label": m.group(1), "F1": value} for key, value in metrics.items()
            if (m := PER_LABEL.match(key))]
    return pd.DataFrame(rows, columns=["label", "F1"]).sort_values("label")


def render(settings: AppSettings, df: pd.DataFrame | None, problem: str | None) -> None:
    st.header("Models")
    try:
        registered = _registry()
    except MynaError as err:
        st.error(f"the model registry cannot be read: {err}")
        return
    if not registered:
        st.info("No registered models yet: `myna models register RUN_OR_PATH NAME`.")
        return
    st.dataframe(pd.DataFrame([{"name": m["name"], "latest": m["latest"],
                                "aliases": ", ".join(f"{a}→v{v}" for a, v in
                                                     m["aliases"].items()),
                                "description": m["description"]} for m in registered]),
                 width="stretch", hide_index=True)
    name = st.selectbox("Model", [m["name"] for m in registered], key="registry-model")
    found = _versions(name)
    st.dataframe(pd.DataFrame([{"version": v["version"], "aliases": ", ".join(v["aliases"]),
                                "run": v["run_id"], **{k.removeprefix("final."): round(x, 4)
                                                       for k, x in v["metrics"].items()
                                                       if k.startswith("final.") and
                                                       "_per_type." not in k}}
                               for v in found]), width="stretch", hide_index=True)
    version = st.selectbox("Version", [v["version"] for v in found], index=len(found) - 1,
                           key="registry-version")
    chosen = next(v for v in found if v["version"] == version)
    f1 = per_label_f1(chosen["metrics"])
    if f1.empty:
        st.info(f"Version {version} has no per-label evaluation metrics (it was not "
                "trained with `myna train`).")
    else:
        st.subheader(f"Per-label F1, {name} v{version}")
        st.bar_chart(f1, x="label", y="F1")
