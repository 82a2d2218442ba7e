"""The MLflow model registry, the Myna way: register a training run or a pipeline directory,
move aliases (``production``, ``staging``, …; MLflow deprecated stages), compare versions.

Every version carries tags a reviewer needs: the task and labels, the data fingerprint of the
run that trained it, its dev metrics, and the code version (Myna's version and git commit)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from myna.core.errors import InputError, ModelNotFoundError
from myna.core.tracking import setup_mlflow
from myna.registry import flavor

RUN_ID = re.compile(r"^[0-9a-f]{32}$")
FINGERPRINT_PARAMS = ("train_rows", "dev_rows", "train_sha256", "dev_sha256")
HEADLINE_METRICS = ("final.ents_f", "final.ents_p", "final.ents_r", "final.cats_macro_f",
                    "final.cats_micro_f", "final.cats_score")


@dataclass
class VersionInfo:
    name: str
    version: str
    aliases: list[str]
    run_id: str | None
    source: str
    created: int
    tags: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


def code_version() -> str:
    """``myna <version>`` plus the git commit of the checkout Myna runs from, if any."""
    version = flavor.myna_version()
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, cwd=Path(__file__).parent, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"myna {version}" + (f" ({commit})" if commit else "")


def _client():
    mlflow = setup_mlflow()
    return mlflow, mlflow.MlflowClient()


def _run_model_uri(client, run_id: str) -> str:
    """The MLflow Model a training run logged (``models:/m-…``), else ``runs:/ID/model``."""
    import mlflow

    try:
        run = client.get_run(run_id)
    except Exception:
        raise ModelNotFoundError(f"no MLflow run {run_id}") from None
    logged = mlflow.search_logged_models(
        experiment_ids=[run.info.experiment_id],
        filter_string=f"source_run_id = '{run_id}' AND name = 'model'", output_format="list")
    return f"models:/{logged[0].model_id}" if logged else f"runs:/{run_id}/model"


def register(source: str, name: str, description: str | None = None) -> VersionInfo:
    """``source``: a run id or ``runs:/ID/model`` (a training run), or any other model
    reference `myna.load` takes (logged in a new run first)."""
    mlflow, client = _client()
    if RUN_ID.match(source) or source.startswith("runs:/"):
        run_id = source.split("/")[1] if source.startswith("runs:/") else source
        uri = source if source.startswith("runs:/") else _run_model_uri(client, run_id)
    else:
        from myna.models import resolve

        resolve(source)  # a clear error before a run is started
        lineage = export_lineage(source)
        with mlflow.start_run(run_name=f"register-{name}") as run:
            info = flavor.log_model(source, name="model")
            task = info.flavors[flavor.FLAVOR_NAME]["default_task"]
            mlflow.set_tags({"myna.source": str(source), "myna.task": task, **lineage})
            mlflow.log_params({"task": task})
        run_id, uri = run.info.run_id, f"runs:/{run.info.run_id}/model"
    run = client.get_run(run_id)
    tags = {"myna.code_version": code_version(), "myna.source": str(source),
            **{k: v for k, v in run.data.tags.items() if k.startswith("myna.exported_")}}
    tags.update({f"data.{k}": str(run.data.params[k]) for k in FINGERPRINT_PARAMS
                 if k in run.data.params})
    for key in ("task", "base", "labels"):
        if key in run.data.params:
            tags[f"myna.{key}"] = str(run.data.params[key])
    tags.update({f"metric.{k}": f"{v:.4f}" for k, v in run.data.metrics.items()
                 if k in HEADLINE_METRICS})
    try:
        mv = mlflow.register_model(uri, name, tags=tags)
    except Exception as err:  # MLflow raises its own exception for a run without a model
        raise ModelNotFoundError(f"cannot register {source}: {err}") from None
    if description:
        client.update_model_version(name, mv.version, description=description)
    return show_version(name, mv.version)


def export_lineage(source: str) -> dict[str, str]:
    """Tags naming the model an exported folder (`myna models export`) came from: the
    reference, the registry version behind it, and the format and precision."""
    import json
    from pathlib import Path

    meta_file = Path(source).expanduser() / "meta.json"
    try:
        export = json.loads(meta_file.read_text()).get("myna_export") if meta_file.is_file() \
            else None
    except (OSError, ValueError):
        return {}
    if not isinstance(export, dict):
        return {}
    tags = {"myna.exported_from": str(export.get("source")),
            "myna.exported_format": f"{export.get('format')} {export.get('precision')}"}
    if export.get("source_version"):
        tags["myna.exported_from_version"] = str(export["source_version"])
    return tags


def _version_info(client, mv, aliases: dict[str, str] | None = None) -> VersionInfo:
    """``aliases`` (alias → version) fills in what MLflow's version search leaves empty."""
    metrics: dict[str, float] = {}
    if mv.run_id:
        try:
            metrics = dict(client.get_run(mv.run_id).data.metrics)
        except Exception:
            metrics = {}
    if aliases is not None:
        named = sorted(a for a, v in aliases.items() if str(v) == str(mv.version))
    else:
        named = list(mv.aliases or [])
    return VersionInfo(name=mv.name, version=str(mv.version), aliases=named,
                       run_id=mv.run_id, source=mv.source, created=mv.creation_timestamp,
                       tags=dict(mv.tags or {}), metrics=metrics)


def show_version(name: str, version: str | int) -> VersionInfo:
    _, client = _client()
    try:
        return _version_info(client, client.get_model_version(name, str(version)))
    except Exception:
        raise ModelNotFoundError(f"no version {version} of registered model {name!r}") from None


def versions(name: str) -> list[VersionInfo]:
    _, client = _client()
    try:
        aliases = dict(client.get_registered_model(name).aliases or {})
    except Exception:
        raise ModelNotFoundError(f"no registered model {name!r}; see `myna models list`"
                                 ) from None
    found = client.search_model_versions(f"name = '{_quote(name)}'")
    return sorted((_version_info(client, mv, aliases) for mv in found),
                  key=lambda v: int(v.version))


def _quote(name: str) -> str:
    return name.replace("'", "\\'")


def list_models() -> list[dict[str, Any]]:
    _, client = _client()
    out = []
    for rm in client.search_registered_models():
        latest = max((int(v.version) for v in rm.latest_versions or []), default=0)
        out.append({"name": rm.name, "latest": latest, "aliases": dict(rm.aliases or {}),
                    "description": rm.description or ""})
    return sorted(out, key=lambda r: r["name"])


def set_alias(name: str, version: str | int, alias: str) -> VersionInfo:
    if not re.match(r"^[A-Za-z][\w-]*$", alias) or re.match(r"^[vV]\d+$", alias):
        raise InputError(f"alias {alias!r} must start with a letter and may not look like a "
                         "version (v1, v2, …)")
    _, client = _client()
    show_version(name, version)  # a clear error for an unknown model or version
    client.set_registered_model_alias(name, alias, str(version))
    return show_version(name, version)


def diff(name: str, first: str | int, second: str | int) -> list[tuple[str, Any, Any]]:
    """(key, first's value, second's value): every final (model-best) metric of the two
    training runs side by side, then the tags that differ (data, code, source)."""
    a, b = show_version(name, first), show_version(name, second)
    rows: list[tuple[str, Any, Any]] = []
    for key in sorted(k for k in set(a.metrics) | set(b.metrics) if k.startswith("final.")):
        rows.append((key, a.metrics.get(key), b.metrics.get(key)))
    for key in sorted(set(a.tags) | set(b.tags)):
        if a.tags.get(key) != b.tags.get(key):
            rows.append((f"tag {key}", a.tags.get(key), b.tags.get(key)))
    return rows
