"""Data and models, loaded once per process (Streamlit caches) and turned into messages the
page can show when they cannot be loaded."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from myna.core.errors import InputError, MynaError
from myna.tasks import Predictor


@st.cache_data(show_spinner="Reading the data…", max_entries=4)
def load_table(path: str, text_column: str, label_column: str | None,
               title_column: str | None) -> pd.DataFrame:
    """The whole table, cached: every rerun of every page reuses it."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise InputError("no such file", where=str(p))
    suffix = p.suffix.lower()
    try:
        if suffix in (".csv", ".tsv"):
            df = pd.read_csv(p, sep="\t" if suffix == ".tsv" else ",", dtype=str,
                             keep_default_na=False)
        elif suffix in (".jsonl", ".ndjson"):
            df = pd.read_json(p, lines=True, dtype=False)
        elif suffix in (".parquet", ".pq"):
            df = pd.read_parquet(p)
        else:
            raise InputError(f"cannot read {suffix or 'files without an extension'}; use CSV, "
                             "TSV, JSONL or Parquet", where=str(p))
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        if isinstance(err, pd.errors.EmptyDataError):
            raise InputError("the file is empty", where=str(p)) from None
        raise InputError(f"cannot be read as a table: {err}", where=str(p)) from None
    if df.empty:
        raise InputError("the file has no rows", where=str(p))
    wanted = {"text": text_column, "label": label_column, "title": title_column}
    for role, column in wanted.items():
        if column and column not in df.columns:
            raise InputError(f"no {role} column {column!r}; the columns are "
                             f"{', '.join(map(str, df.columns))}", where=str(p))
    df[text_column] = df[text_column].fillna("").astype(str)
    if label_column:
        df[label_column] = df[label_column].fillna("").astype(str)
    return df


def table_or_error(settings) -> tuple[pd.DataFrame | None, str | None]:
    if not settings.data:
        return None, None
    try:
        return load_table(settings.data, settings.text_column, settings.label_column,
                          settings.title_column), None
    except MynaError as err:
        return None, str(err)


DEFAULT = "default:"  # "default:sentence-transformers": the default model of a kind


@st.cache_resource(show_spinner="Loading the model…", max_entries=8)
def cached_predictor(ref: str) -> Predictor:
    """Any model reference (`models:/news-ner@production`, a folder, an installed pipeline),
    or ``default:<kind>`` for the bundled model of a kind."""
    from myna.models import load

    if ref.startswith(DEFAULT):
        return Predictor(load(None, kind=ref.removeprefix(DEFAULT)), name=ref)
    return Predictor(load(ref), name=ref)


def predictor_or_error(ref: str) -> tuple[Predictor | None, str | None]:
    try:
        return cached_predictor(ref), None
    except MynaError as err:
        return None, f"model {ref!r} cannot be loaded: {err}"
    except Exception as err:  # a broken folder or artifact: a message in the page, not a trace
        first = str(err).strip().splitlines()[0] if str(err).strip() else ""
        return None, f"model {ref!r} cannot be loaded: {type(err).__name__}: {first}"


@st.cache_resource(show_spinner="Loading the knowledge base…")
def load_linker(path: str):
    from myna.text.linker import EntityLinker

    return EntityLinker.from_file(path)
