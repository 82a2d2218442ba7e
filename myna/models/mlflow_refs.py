"""Model references that MLflow resolves: ``models:/NAME@ALIAS``, ``models:/NAME/3``,
``models:/m-…`` (a logged model), ``runs:/ID/model`` and local MLflow Model directories."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from myna.core.errors import InputError, ModelNotFoundError
from myna.core.tracking import setup_mlflow

FLAVOR_NAME = "myna"
REGISTRY_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:@(?P<alias>[\w-]+)|/(?P<version>\d+))$")


@dataclass(frozen=True)
class LocalModel:
    directory: Path  # the model itself, as its backend loads it
    kind: str
    version: str | None  # registry version, when the reference named the registry
    kb: str | None = None  # a knowledge base saved with the model (the link task)


def is_mlflow_ref(ref: str) -> bool:
    return ref.startswith(("models:/", "runs:/")) or (Path(ref) / "MLmodel").is_file()


def resolve_uri(uri: str) -> str:
    """``models:/N@alias`` or ``models:/N/3`` → the version's own model URI, checked."""
    m = REGISTRY_URI.match(uri)
    if not m:
        return uri
    mlflow = setup_mlflow()
    client = mlflow.MlflowClient()
    name, alias, number = m.groups()
    try:
        mv = (client.get_model_version_by_alias(name, alias) if alias
              else client.get_model_version(name, number))
    except Exception:
        raise ModelNotFoundError(f"{uri} does not resolve: no such registered model, "
                                 "version or alias") from None
    return f"models:/{name}/{mv.version}"


def flavor_conf(root: Path) -> dict:
    """The ``myna`` flavor's section of the MLmodel file in ``root``."""
    from mlflow.models import Model

    flavors = Model.load(str(root / "MLmodel")).flavors
    if FLAVOR_NAME not in flavors:
        raise InputError(f"{root} is not a Myna model (flavors: {', '.join(flavors)})")
    return flavors[FLAVOR_NAME]


def flavor_directory(model_uri: str, dst_path: str | None = None) -> tuple[Path, str]:
    """Download (if remote) an MLflow Model of Myna's flavor: (its model directory, kind)."""
    local = download(model_uri, dst_path)
    conf = flavor_conf(local)
    return local / conf["data"], conf.get("kind", "spacy")  # models before 0.2: spaCy


def download(model_uri: str, dst_path: str | None = None) -> Path:
    from mlflow.artifacts import download_artifacts

    setup_mlflow()
    try:
        local = Path(download_artifacts(artifact_uri=model_uri, dst_path=dst_path))
    except Exception as err:  # MLflow's own exceptions for unknown runs and models
        raise ModelNotFoundError(f"{model_uri} cannot be downloaded: "
                                 f"{str(err).splitlines()[0] if str(err) else err}") from None
    return local


def local_model(ref: str, dst_path: str | None = None) -> LocalModel:
    uri = resolve_uri(ref) if ref.startswith("models:/") else ref
    version = uri.rsplit("/", 1)[1] if REGISTRY_URI.match(uri) else None
    root = download(uri, dst_path)
    conf = flavor_conf(root)
    kb = str(root / conf["kb"]) if conf.get("kb") else None
    return LocalModel(root / conf["data"], conf.get("kind", "spacy"), version, kb)
