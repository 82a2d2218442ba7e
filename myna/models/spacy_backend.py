"""spaCy pipelines: installed packages or directories with a ``config.cfg``."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from myna.models.backends import backends
from myna.models.base import LoadedModel

TEXTCAT_PIPES = ("textcat", "textcat_multilabel")


class SpacyModel(LoadedModel):
    """A pipeline plus what the tasks ask of it: which components a feature needs."""

    @property
    def nlp(self) -> Any:
        return self.obj

    @property
    def max_length(self) -> int:
        return self.nlp.max_length

    def limit_chars(self, limit: int) -> None:
        self.nlp.max_length = limit

    @cached_property
    def features(self) -> frozenset[str]:
        """The analysis features this pipeline computes."""
        from myna.text.features import FEATURES

        return frozenset(f for f in FEATURES
                         if f == "tokens" or self.components_for(frozenset({f})))

    def components_for(self, features: frozenset[str]) -> list[str]:
        """Computed once per pipeline and feature set: tasks ask on every call."""
        from myna.text.pipelines import needed_components

        cache = self.__dict__.setdefault("_components", {})
        if features not in cache:
            cache[features] = needed_components(self.nlp, features)
        return cache[features]

    @cached_property
    def textcat_components(self) -> list[str]:
        from myna.text.pipelines import with_embedding_layers

        return with_embedding_layers(self.nlp, [p for p in self.nlp.pipe_names
                                                if p in TEXTCAT_PIPES])

    def not_needed(self, keep: list[str]) -> list[str]:
        return [p for p in self.nlp.pipe_names if p not in keep]

    def pipe(self, texts: list[str], disable: list[str]) -> list[Any]:
        return list(self.nlp.pipe(texts, batch_size=self.batch_size, disable=disable))

    @property
    def labels(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        if "ner" in self.nlp.pipe_names:
            out["ner"] = sorted(self.nlp.get_pipe("ner").labels)
        for name in TEXTCAT_PIPES:
            if name in self.nlp.pipe_names:
                out["textcat"] = sorted(self.nlp.get_pipe(name).labels)
        return out

    def save(self, directory: Path) -> None:
        self.nlp.to_disk(directory)


@backends.register("spacy")
class SpacyBackend:
    kind = "spacy"

    def is_model_dir(self, path: Path) -> bool:
        return (path / "config.cfg").is_file()

    def is_installed(self, name: str) -> bool:
        import spacy

        return bool(spacy.util.is_package(name))

    def load(self, location: str, name: str) -> SpacyModel:
        import spacy

        return SpacyModel("spacy", spacy.load(location), name=name, location=location)


def wrap(nlp: Any, name: str = "model") -> SpacyModel:
    """An already loaded pipeline as a model."""
    return SpacyModel("spacy", nlp, name=name, location=name)
