"""Backends: one per model kind, registered like spaCy's factories (an entry-point group
``myna_backends`` lets another package add one). A backend says whether a directory or a name
is a model of its kind and loads it."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import catalogue

from myna.models.base import LoadedModel

backends = catalogue.create("myna", "backends", entry_points=True)
BUILTIN = ("myna.models.spacy_backend", "myna.models.encoder_backend",
           "myna.models.hf_backend", "myna.models.zero_shot", "myna.models.index_backend")


class Backend(Protocol):
    kind: str

    def is_model_dir(self, path: Path) -> bool: ...

    def is_installed(self, name: str) -> bool: ...

    def load(self, location: str, name: str) -> LoadedModel: ...


def all_backends() -> dict[str, Backend]:
    import importlib

    for module in BUILTIN:
        importlib.import_module(module)
    return {kind: make() for kind, make in backends.get_all().items()}


def get_backend(kind: str) -> Backend:
    found = all_backends()
    if kind not in found:
        from myna.core.errors import ModelNotFoundError

        raise ModelNotFoundError(f"no backend for models of kind {kind!r} (backends: "
                                 f"{', '.join(found)})")
    return found[kind]


def kind_of_dir(path: Path) -> str | None:
    """The kind of the model in ``path``, or None when no backend recognises it. Generic
    backends (a Hugging Face config.json, which a sentence-transformers folder also has) are
    asked last, so the answer does not depend on which backend was imported first."""
    found = all_backends().items()
    for kind, backend in sorted(found, key=lambda kv: bool(getattr(kv[1], "generic", False))):
        if backend.is_model_dir(path):
            return kind
    return None
