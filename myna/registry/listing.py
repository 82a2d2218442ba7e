"""`myna models list` without importing MLflow (which takes seconds and pulls in PySpark):
the registered models read straight from the registry, through MLflow's REST API for an
``http(s)://`` tracking server or its SQL tables for a database store. Any other store (for
example ``databricks``) goes through MLflow's own client. A test checks both readers against
MLflow's client on the same store."""

from __future__ import annotations

from typing import Any

from myna.core.errors import MynaError
from myna.core.tracking import tracking_uri

DELETED = "Deleted_Internal"  # MLflow's stage for a version being deleted
SQL_SCHEMES = ("sqlite", "postgresql", "mysql", "mssql")
PAGE = 1000


def list_models() -> list[dict[str, Any]]:
    """``{"name", "latest", "aliases": {alias: version}, "description"}`` per model, by name."""
    uri = tracking_uri()
    scheme = uri.split(":", 1)[0].split("+", 1)[0]
    if scheme in ("http", "https"):
        rows = _from_rest(uri)
    elif scheme in SQL_SCHEMES:
        rows = _from_sql(uri)
    else:
        from myna.registry.client import list_models as with_mlflow

        rows = with_mlflow()
    return sorted(rows, key=lambda r: r["name"])


def _from_sql(uri: str) -> list[dict[str, Any]]:
    from pathlib import Path

    from sqlalchemy import create_engine, inspect, text

    if uri.startswith("sqlite:///") and not Path(uri.removeprefix("sqlite:///")).exists():
        return []  # no store yet: nothing registered (and do not create one)
    engine = create_engine(uri)
    try:
        if not inspect(engine).has_table("registered_models"):
            return []
        with engine.connect() as conn:
            models = conn.execute(text("SELECT name, description FROM registered_models")).all()
            latest: dict[str, Any] = dict(conn.execute(text(
                "SELECT name, MAX(version) FROM model_versions WHERE current_stage != :deleted "
                "GROUP BY name"), {"deleted": DELETED}).all())
            aliases: dict[str, dict[str, int]] = {}
            for name, alias, version in conn.execute(text(
                    "SELECT name, alias, version FROM registered_model_aliases")):
                aliases.setdefault(name, {})[alias] = int(version)
    finally:
        engine.dispose()
    return [{"name": name, "latest": int(latest.get(name) or 0),
             "aliases": aliases.get(name, {}), "description": description or ""}
            for name, description in models]


def _from_rest(uri: str) -> list[dict[str, Any]]:
    import httpx

    rows: list[dict[str, Any]] = []
    token = None
    while True:
        params: dict[str, Any] = {"max_results": PAGE}
        if token:
            params["page_token"] = token
        try:
            reply = httpx.get(f"{uri.rstrip('/')}/api/2.0/mlflow/registered-models/search",
                              params=params, timeout=30)
            reply.raise_for_status()
        except httpx.HTTPError as err:
            raise MynaError(f"cannot list the registry: {err}", where=uri) from None
        body = reply.json()
        for m in body.get("registered_models", []):
            versions = [int(v["version"]) for v in m.get("latest_versions", [])]
            rows.append({"name": m["name"], "latest": max(versions, default=0),
                         "aliases": {a["alias"]: int(a["version"])
                                     for a in m.get("aliases", [])},
                         "description": m.get("description", "")})
        token = body.get("next_page_token")
        if not token:
            return rows
