"""Resolve ``--model`` for a batch task, once on the driver (to fail before any work and to find
what to ship to Spark executors) and once per worker process (to load it)."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from myna.batch.tasks import BATCH_TASKS, BatchModel, EmbedModel, SpacyTaskModel
from myna.errors import InputError, ModelNotFoundError


@dataclass(frozen=True)
class ModelSpec:
    """Everything a worker needs to load the model: picklable, no loaded objects."""

    source: str | None  # registry URI, model directory, installed name; None: the default
    task: str
    kb: str | None = None
    max_chars: int | None = None
    batch_size: int = 64


def load_batch_model(spec: ModelSpec) -> BatchModel:
    if spec.task not in BATCH_TASKS:
        raise InputError(f"unknown task {spec.task!r}; one of {', '.join(BATCH_TASKS)}")
    if spec.task == "link" and not spec.kb:
        raise InputError("--task link needs --kb (a knowledge base built by `myna kb build`)")
    if spec.task == "embed":
        from myna.text.encoders import load_sentence_encoder

        encoder = load_sentence_encoder(spec.source)
        limit = spec.max_chars or 1_000_000
        return EmbedModel(encoder, max_chars=limit, batch_size=spec.batch_size)
    from myna.serve.holder import load_predictor
    from myna.text.models import resolve_model

    loaded = load_predictor(spec.source or resolve_model(None), spec.kb)
    predictor = loaded.predictor
    predictor.batch_size = spec.batch_size
    if spec.max_chars:
        predictor.nlp.max_length = spec.max_chars
    return SpacyTaskModel(predictor, spec.task)


def pipeline_directory(source: str | None, workdir: Path) -> Path | None:
    """A local directory holding the model, to ship to executors as an archive; ``None`` for an
    installed pipeline package (executors have the same packages as the driver)."""
    from myna.text.models import resolve_model

    if source is None:
        return None
    if source.startswith(("models:/", "runs:/")) or (Path(source) / "MLmodel").is_file():
        from myna.registry import flavor, models

        uri = models.resolve_uri(source) if source.startswith("models:/") else source
        models.setup_mlflow()
        return flavor.local_pipeline(uri, dst_path=str(workdir))
    path = Path(source).expanduser()
    if path.is_dir():
        if not (path / "config.cfg").is_file() and not (path / "modules.json").is_file():
            raise ModelNotFoundError("directory is neither a spaCy pipeline nor a "
                                     "sentence-transformers model", where=str(path))
        return path
    resolve_model(source)  # an installed package, or a clear error
    return None


def make_archive(directory: Path, workdir: Path) -> Path:
    """Zip ``directory`` for ``SparkContext.addArchive``."""
    base = Path(tempfile.mkdtemp(dir=workdir)) / "model"
    return Path(shutil.make_archive(str(base), "zip", root_dir=directory))
