"""Resolve ``--model`` for a batch task, once on the driver (to fail before any work and to find
what to ship to Spark executors) and once per worker process (to load it)."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from myna.batch.tasks import BatchModel
from myna.core.errors import InputError


@dataclass(frozen=True)
class ModelSpec:
    """Everything a worker needs to load the model: picklable, no loaded objects."""

    source: str | None  # any model reference; None: the task's default model
    task: str
    kb: str | None = None
    max_chars: int | None = None
    batch_size: int = 64
    params: str = "{}"  # the task's parameters as JSON (hashable: executors key models by spec)


def load_batch_model(spec: ModelSpec) -> BatchModel:
    from myna.models import load
    from myna.tasks import Predictor, get_task

    task = get_task(spec.task)  # an unknown task stops here
    if task.needs_kb and not spec.kb:
        raise InputError(f"--task {task.name} needs --kb (a knowledge base built by "
                         "`myna kb build`)")
    model = load(spec.source, spec.kb, kind=None if spec.source else task.model_kinds[0])
    if spec.max_chars:
        model.limit_chars(spec.max_chars)
    return BatchModel(Predictor(model, batch_size=spec.batch_size), spec.task,
                      json.loads(spec.params))


def model_directory(spec: ModelSpec, model: BatchModel) -> Path | None:
    """The loaded model's local directory, to ship to executors as an archive (a registered
    model was downloaded once, when the driver loaded it); ``None`` for an installed pipeline
    package or a task's default model (executors have the driver's packages)."""
    if spec.source is None:
        return None
    path = Path(model.predictor.model.location)
    return path if path.is_dir() else None


def make_archive(directory: Path, workdir: Path) -> Path:
    """Zip ``directory`` for ``SparkContext.addArchive``."""
    base = Path(tempfile.mkdtemp(dir=workdir)) / "model"
    return Path(shutil.make_archive(str(base), "zip", root_dir=directory))
