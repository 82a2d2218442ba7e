"""Settings read from the environment: where Myna keeps its state and which models it uses."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    home: Path
    spacy_model: str | None
    database_url: str
    tracking_uri: str

    @classmethod
    def from_env(cls) -> Settings:
        home = Path(os.environ.get("MYNA_HOME", Path.home() / ".myna")).expanduser()
        return cls(
            home=home,
            spacy_model=os.environ.get("MYNA_MODEL") or None,
            database_url=os.environ.get("MYNA_DATABASE_URL", f"sqlite:///{home / 'myna.db'}"),
            tracking_uri=os.environ.get("MLFLOW_TRACKING_URI", f"sqlite:///{home / 'mlflow.db'}"),
        )


def get_settings() -> Settings:
    """Settings are read afresh each call so tests and subprocesses see env changes."""
    return Settings.from_env()
