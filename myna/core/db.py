"""The settings' SQL database (SQLAlchemy): SQLite under MYNA_HOME unless MYNA_DATABASE_URL
names another, e.g. ``postgresql+psycopg://user@host/myna``."""

from __future__ import annotations

import functools

from sqlalchemy import Engine, create_engine, event

from myna.core.settings import get_settings


@functools.lru_cache(maxsize=8)
def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(conn, _record) -> None:
        # WAL lets readers (jobs list/history) work while a scheduler writes.
        cur = conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    return engine


def get_engine(url: str | None = None) -> Engine:
    return _engine(url or get_settings().database)
