"""Monitoring: the app's dataset checked for drift against a model's reference profile (the
findings, label shares, the words that set it apart), and a running server's last check
(`myna serve --monitor`, its /monitor)."""

from __future__ import annotations

import json
import urllib.request

import pandas as pd
import streamlit as st

from myna.app.loading import predictor_or_error
from myna.app.settings import AppSettings
from myna.core.errors import MynaError


def show_summary(summary: dict) -> None:
    """One drift check's figures: verdict, findings, label shares, distinguishing words."""
    if summary["drift"]:
        st.error(f"Drift: {summary['texts']:,} texts differ from the reference profile")
    else:
        st.success(f"No drift in {summary['texts']:,} texts")
    st.dataframe(pd.DataFrame(summary["findings"]), hide_index=True, width="stretch")
    shares = summary["label_shares"]
    if shares["reference"] or shares["current"]:
        labels = sorted(set(shares["reference"]) | set(shares["current"]))
        st.bar_chart(pd.DataFrame({"reference": [shares["reference"].get(k, 0) for k in labels],
                                   "current": [shares["current"].get(k, 0) for k in labels]},
                                  index=labels), stack=False)
    rates = summary["unknown_rate"]
    st.caption(f"Unknown-word rate {rates['current']:.2%} (expected of text like the "
               f"reference: {rates['reference']:.2%})")
    if summary["distinguishing_words"]:
        st.subheader("Words that most distinguish these texts")
        st.dataframe(pd.DataFrame(summary["distinguishing_words"]), hide_index=True)


def _check(ref: str, texts: tuple[str, ...], alpha: float) -> dict:
    from myna.monitor.check import check_drift
    from myna.monitor.profile import load_profile

    predictor, _ = predictor_or_error(ref)
    return check_drift(load_profile(ref), list(texts), predictor.model if predictor else None,
                       alpha).summary()


def render(settings: AppSettings, df: pd.DataFrame | None, problem: str | None) -> None:
    st.header("Monitoring")
    if settings.models:
        ref = st.selectbox("Model", settings.models, index=len(settings.models) - 1,
                           key="monitor-model")
        alpha = st.number_input("False-alarm rate of one check (alpha)", 0.001, 0.5, 0.05,
                                key="monitor-alpha")
        if df is None:
            st.info(problem or "Start the app with --data to check a dataset for drift.")
        elif st.button("Check the dataset for drift", key="monitor-run"):
            texts = tuple(str(t) for t in df[settings.text_column].dropna())
            with st.spinner(f"Checking {len(texts):,} texts against {ref}'s profile…"):
                try:
                    show_summary(_check(ref, texts, float(alpha)))
                except MynaError as err:
                    st.error(str(err))
    st.subheader("A running server")
    url = st.text_input("Server URL (`myna serve MODEL --monitor`)", key="monitor-url",
                        placeholder="http://127.0.0.1:8000")
    if url and not url.startswith(("http://", "https://")):
        st.error("the server URL starts with http:// or https://")
    elif url:
        try:
            with urllib.request.urlopen(f"{url.rstrip('/')}/monitor", timeout=5) as answer:
                state = json.load(answer)
        except (OSError, ValueError) as err:
            st.error(f"cannot read {url}/monitor: {err}")
            return
        if not state.get("monitoring"):
            st.info("That server was started without --monitor.")
        elif state.get("last") is None:
            st.info(f"{state['window']:,} texts in the window; no check has run yet "
                    f"(every {state['every_s']:g} s, from 100 texts).")
        else:
            show_summary(state["last"])
