"""Settings read from the environment: where Myna keeps its state and which models it uses."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    home: Path  # MYNA_HOME: stores, runs and models of later stages live under it
    spacy_model: str | None  # MYNA_MODEL: default pipeline for analyze and friends
    tracking_uri: str | None  # MLFLOW_TRACKING_URI; None means a SQLite store in MYNA_HOME
    database_url: str | None  # MYNA_DATABASE_URL (SQLAlchemy); None means MYNA_HOME/myna.core.db

    @property
    def database(self) -> str:
        """Jobs and (later) annotations live here: SQLite by default, PostgreSQL by URL."""
        if self.database_url:
            return self.database_url
        self.home.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.home / 'myna.core.db'}"

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            home=Path(os.environ.get("MYNA_HOME", Path.home() / ".myna")).expanduser(),
            spacy_model=os.environ.get("MYNA_MODEL") or None,
            tracking_uri=os.environ.get("MLFLOW_TRACKING_URI") or None,
            database_url=os.environ.get("MYNA_DATABASE_URL") or None,
        )


def get_settings() -> Settings:
    """Settings are read afresh each call so tests and subprocesses see env changes."""
    return Settings.from_env()
