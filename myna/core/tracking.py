"""MLflow tracking: where runs go and how a training run is recorded."""

from __future__ import annotations

import numbers

from myna.core.settings import get_settings

EXPERIMENT = "myna"


def tracking_uri() -> str:
    settings = get_settings()
    if settings.tracking_uri:
        return settings.tracking_uri
    settings.home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{settings.home / 'mlflow.db'}"


def setup_mlflow(experiment: str = EXPERIMENT):
    """Point MLflow at the settings' store; artifacts go under MYNA_HOME for a local store."""
    import logging

    import mlflow

    for name in ("mlflow", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    uri = tracking_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)  # else a registry URI used earlier in the process sticks
    if mlflow.get_experiment_by_name(experiment) is None:
        location = None
        if uri.startswith("sqlite:"):
            location = (get_settings().home / "mlartifacts").as_uri()
        mlflow.create_experiment(experiment, artifact_location=location)
    mlflow.set_experiment(experiment)
    return mlflow


def flat_metrics(prefix: str, scores: dict, out: dict[str, float] | None = None,
                 ) -> dict[str, float]:
    """``{"ents_per_type": {"ORG": {"f": 0.9}}}`` → ``{"ents_per_type.ORG.f": 0.9}``;
    MLflow metric names allow letters, digits, ``_ - . /`` and spaces."""
    out = {} if out is None else out
    for key, value in scores.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat_metrics(name, value, out)
        elif isinstance(value, numbers.Real) and not isinstance(value, bool):
            out[_safe(name)] = float(value)
    return out


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "_-./ " else "_" for c in name)
