"""Text classification: every label's probability (table and bar chart) and the prediction
with its confidence, on the selected article or typed text."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from myna.app.loading import predictor_or_error
from myna.app.render import escape_markdown
from myna.app.selection import text_to_use
from myna.app.settings import AppSettings


def render(settings: AppSettings, df: pd.DataFrame | None, problem: str | None) -> None:
    st.header("Text classification")
    ref = st.selectbox("Model", settings.models, index=len(settings.models) - 1,
                       key="textcat-model")
    predictor, error = predictor_or_error(ref)
    if predictor is None:
        st.error(error)
        return
    if "textcat" not in predictor.tasks:
        st.error(f"model {ref!r} has no text classifier; start the app with a textcat model "
                 "in --models (e.g. one trained with `myna train textcat`)")
        return
    text = text_to_use(df, settings, "textcat")
    if text is None:
        return
    result = predictor.predict([text], "textcat")[0]
    st.markdown(f"### Prediction: {escape_markdown(str(result['label']))}, "
                f"Confidence: {result['score']:.3g}")
    probs = pd.DataFrame(sorted(result["cats"].items(), key=lambda kv: -kv[1]),
                         columns=["label", "probability"])
    left, right = st.columns(2)
    left.dataframe(probs, width="stretch", hide_index=True)
    right.bar_chart(probs, x="label", y="probability")
