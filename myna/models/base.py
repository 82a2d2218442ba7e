"""A loaded model, whatever library it comes from: what the task runners and the flavor see."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


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

    def save(self, directory: Path) -> None:
        """Write the model so that its backend loads it from ``directory``."""
        raise NotImplementedError(f"saving a {self.kind} model")
