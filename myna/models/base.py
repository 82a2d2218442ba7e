"""A loaded model, whatever library it comes from: what the task runners and the flavor see."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The folder inside a model's directory that holds its reference profile (`myna.monitor`):
# training writes it, the registry and export carry it along with the model.
PROFILE_DIR = "reference_profile"


@dataclass
class LoadedModel:
    """``kind`` names the backend (``spacy``, ``sentence-transformers``, …); ``obj`` is the
    library's own object (a spaCy ``Language``, a ``SentenceTransformer``). ``location`` is
    what the backend loaded from (a directory or an installed package name); ``name`` is the
    reference the user gave; ``version`` the registry version behind it, if any."""

    kind: str
    obj: Any
    name: str
    location: str
    version: str | None = None
    linker: Any = None  # a prepared knowledge base (the link task)
    batch_size: int = 64
    char_limit: int = 1_000_000

    @property
    def max_length(self) -> int:
        """The longest text the model takes, in characters."""
        return self.char_limit

    def limit_chars(self, limit: int) -> None:
        self.char_limit = limit

    @property
    def labels(self) -> dict[str, list[str]]:
        """Labels per task (``ner``, ``textcat``) the model predicts."""
        return {}

    def predict(self, inputs: Any, task: str | None = None, params: dict[str, Any] | None = None,
                errors: str = "raise") -> list[dict[str, Any]]:
        """``myna.load(ref).predict(["text"], "sentiment")``: one record per input (a text or
        a record); the same as ``myna.Predictor(model).predict``. A single text or record
        is taken as a list of one."""
        predictor = self.__dict__.get("_predictor")
        if predictor is None:
            # By name: the task layer sits above this one (ARCHITECTURE.md, layers).
            predictor = importlib.import_module("myna.tasks").Predictor(self)
            self.__dict__["_predictor"] = predictor
        if isinstance(inputs, str | dict):
            inputs = [inputs]
        return predictor.predict(inputs, task, errors, params)

    def save(self, directory: Path) -> None:
        """Write the model so that its backend loads it from ``directory``."""
        raise NotImplementedError(f"saving a {self.kind} model")
