"""Open the annotation store: the settings' database unless ``--db`` names another."""

from __future__ import annotations

from sqlalchemy.exc import ArgumentError, OperationalError

from myna.annotate.store import Store
from myna.core.db import get_engine
from myna.core.errors import InputError


def open_store(url: str | None = None) -> Store:
    """A reachable store with its tables, or a one-line error naming the database."""
    if url and url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]  # the driver we install
    try:
        engine = get_engine(url)
        return Store(engine)
    except ArgumentError as err:
        raise InputError(f"not a database URL: {err}", where=url) from None
    except OperationalError as err:
        shown = engine.url.render_as_string(hide_password=True)
        reason = str(err.orig).strip().splitlines()[0] if err.orig else str(err)
        raise InputError(f"cannot reach the annotation database: {reason}", where=shown,
                         hint="check --db / MYNA_DATABASE_URL and that the server runs"
                         ) from None
