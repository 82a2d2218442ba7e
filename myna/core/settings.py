"""The one reader of environment variables: where Myna keeps its state, which models and
stores it uses, and what the environment says about how it runs. Everything else asks
`get_settings()`; tests and child processes change the environment, so it is read afresh."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

APP_PREFIX = "MYNA_APP_"  # `myna app` hands its options to the Streamlit script this way


@dataclass(frozen=True)
class Settings:
    home: Path  # MYNA_HOME: stores, runs and models of later stages live under it
    spacy_model: str | None  # MYNA_MODEL: default pipeline for analyze and friends
    tracking_uri: str | None  # MLFLOW_TRACKING_URI; None means a SQLite store in MYNA_HOME
    database_url: str | None  # MYNA_DATABASE_URL (SQLAlchemy); None means MYNA_HOME/myna.db
    api_keys: tuple[str, ...] = ()  # MYNA_API_KEYS, comma-separated
    log_level: str = "warning"  # MYNA_LOG: the HTTP servers' access log level
    hub_offline: bool = False  # HF_HUB_OFFLINE=1: hub ids resolve from the local cache only
    device: str = "auto"  # MYNA_DEVICE: auto (a GPU when there is one), cpu, cuda, cuda:1
    precision: str = "auto"  # MYNA_PRECISION: auto (fp16 on GPU, bf16 on CPUs with it), fp32
    under_spark_submit: bool = False  # spark-submit started this driver (it set the master)
    pyspark_python: str = sys.executable  # PYSPARK_PYTHON: the executors' interpreter
    app_options: Mapping[str, str] = field(default_factory=dict)  # MYNA_APP_* without prefix

    @property
    def database(self) -> str:
        """Jobs and annotations live here: SQLite by default, PostgreSQL by URL."""
        if self.database_url:
            return self.database_url
        self.home.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.home / 'myna.db'}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        return cls(
            home=Path(env.get("MYNA_HOME", Path.home() / ".myna")).expanduser(),
            spacy_model=env.get("MYNA_MODEL") or None,
            tracking_uri=env.get("MLFLOW_TRACKING_URI") or None,
            database_url=env.get("MYNA_DATABASE_URL") or None,
            api_keys=tuple(k.strip() for k in env.get("MYNA_API_KEYS", "").split(",")
                           if k.strip()),
            log_level=env.get("MYNA_LOG") or "warning",
            hub_offline=env.get("HF_HUB_OFFLINE") == "1",
            device=env.get("MYNA_DEVICE") or "auto",
            precision=env.get("MYNA_PRECISION") or "auto",
            under_spark_submit="PYSPARK_GATEWAY_PORT" in env or "SPARK_SUBMIT_OPTS" in env,
            pyspark_python=env.get("PYSPARK_PYTHON") or sys.executable,
            app_options={k.removeprefix(APP_PREFIX): v for k, v in env.items()
                         if k.startswith(APP_PREFIX)},
        )


def get_settings() -> Settings:
    """Settings are read afresh each call so tests and subprocesses see env changes."""
    return Settings.from_env()
