"""The ``myna`` MLflow flavor: any model Myna loads (a spaCy pipeline, a sentence encoder, …)
as an MLflow Model; its tasks and their columns come from the task registry.

The MLmodel file lists the ways to load the same artifact:
- ``python_function``: ``mlflow.pyfunc.load_model(uri).predict(texts)`` returns a DataFrame with
  the default task's columns (``entities`` for NER, ``predictions`` ({label: score}, like
  MLflow's spaCy flavor) for textcat, ``embedding``, the analysis columns) and ``error``;
  ``params={"task": ...}`` picks another task the model can do. This is also what
  ``mlflow.pyfunc.spark_udf`` and ``mlflow models serve`` call.
- ``myna``: ``load_model(uri)`` gives the library's own model back; the flavor records its
  ``kind`` (the backend) and tasks.
- ``spacy`` (spaCy pipelines): MLflow's own ``mlflow.spacy.load_model(uri)`` works on it too.
MLflow's spaCy flavor gives a pipeline without ``textcat`` no pyfunc flavor (mlflow#2772).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from myna.core.errors import InputError
from myna.models.base import PROFILE_DIR, LoadedModel
from myna.models.mlflow_refs import FLAVOR_NAME, flavor_directory
from myna.tasks import Predictor, Task
from myna.tasks.base import TEXT_COLUMN
from myna.tasks.schemas import mlflow_schema, with_error

MODEL_DIR = "model"


def myna_version() -> str:
    from importlib.metadata import version

    return version("myna")


def pyfunc_schema(task: Task, model: LoadedModel | None = None) -> pa.Schema | None:
    """What ``predict`` returns for ``task``: its columns as MLflow names them, plus
    ``error`` (every row says why it failed, or null, so one bad cell does not fail a Spark
    job; it also makes the result a struct: MLflow's spark_udf mis-nests a lone array<struct>
    column)."""
    schema = task.output_schema(model)
    if schema is None:
        return None
    renamed = [f.with_name(task.pyfunc_names.get(f.name, f.name)) for f in schema]
    return with_error(pa.schema(renamed))


def signature(task: Task, model: LoadedModel | None = None, others: list[Task] | None = None):
    """The default task's columns; the parameters of every task the model can do (MLflow
    drops parameters its signature does not name). Inputs: one unnamed string column when
    every task takes a text (a plain list of strings passes MLflow's check as well as a
    DataFrame), the record's columns when every task takes the same record, else none (MLflow
    then passes whatever it is given)."""
    from mlflow.models import ModelSignature
    from mlflow.types.schema import ColSpec, DataType, ParamSchema, ParamSpec, Schema

    tasks = [task, *(others or [])]
    outputs = pyfunc_schema(task, model)
    shapes = {tuple(t.input.names) for t in tasks}
    inputs = None
    if all(t.takes_text for t in tasks):
        inputs = Schema([ColSpec(DataType.string)])
    elif len(shapes) == 1:
        inputs = Schema([ColSpec(DataType.string, name) for name in task.input.names])
    specs = {"task": ParamSpec("task", DataType.string, task.name)}
    for t in tasks:
        for p in t.params:
            specs.setdefault(p.name, _param_spec(p, DataType, ParamSpec))
    return ModelSignature(inputs=inputs,
                          outputs=None if outputs is None else mlflow_schema(outputs),
                          params=ParamSchema(list(specs.values())))


def _param_spec(param: Any, data_type: Any, spec: Any) -> Any:
    kinds = {str: "string", int: "long", float: "double", bool: "boolean", list: "string"}
    dtype = getattr(data_type, kinds[param.kind])
    if param.kind is list:
        return spec(param.name, dtype, list(param.default or []), (-1,))
    return spec(param.name, dtype, param.default)


def save_model(pipeline: str | Path, path: str | Path, mlflow_model=None,
               pip_requirements: list[str] | None = None, metadata: dict | None = None,
               kb: str | Path | None = None, **_: Any) -> None:
    """Write the model ``pipeline`` (any reference `myna.load` takes) into a new MLflow Model
    at ``path``; ``kb``, a knowledge base, goes with it (the ``link`` task)."""
    import mlflow
    from mlflow.models import Model
    from mlflow.pyfunc import add_to_model
    from mlflow.utils.environment import _mlflow_conda_env, _PythonEnv

    path = Path(path)
    if path.exists() and any(path.iterdir()):
        raise InputError(f"{path} already exists and is not empty")
    from myna.models import load

    model = load(str(pipeline), str(kb) if kb else None)
    predictor = Predictor(model)
    tasks = predictor.tasks
    path.mkdir(parents=True, exist_ok=True)
    model.save(path / MODEL_DIR)
    profile = Path(model.location) / PROFILE_DIR  # the drift checks' reference goes along
    if profile.is_dir() and not (path / MODEL_DIR / PROFILE_DIR).exists():
        shutil.copytree(profile, path / MODEL_DIR / PROFILE_DIR)
    extra = {}
    if kb:
        extra["kb"] = f"kb{Path(kb).suffix.lower()}"
        shutil.copyfile(kb, path / extra["kb"])
    mlflow_model = mlflow_model if mlflow_model is not None else Model()
    mlflow_model.signature = signature(predictor.task(tasks[0]), model,
                                       [predictor.task(t) for t in tasks[1:]])
    mlflow_model.metadata = {**(mlflow_model.metadata or {}), **(metadata or {}),
                             "myna_tasks": tasks, "labels": predictor.labels}
    versions = _library_versions(model.kind)
    requirements = pip_requirements or [f"myna=={myna_version()}", f"mlflow=={mlflow.__version__}",
                                        *(f"{k}=={v}" for k, v in versions.items())]
    add_to_model(mlflow_model, loader_module=__name__, data=MODEL_DIR, conda_env="conda.yaml",
                 python_env="python_env.yaml")
    mlflow_model.add_flavor(FLAVOR_NAME, data=MODEL_DIR, kind=model.kind, tasks=tasks,
                            default_task=tasks[0], myna_version=myna_version(), **extra,
                            **{f"{k.replace('-', '_')}_version": v for k, v in versions.items()})
    if model.kind == "spacy":  # MLflow's own mlflow.spacy.load_model works on it as well
        mlflow_model.add_flavor("spacy", data=MODEL_DIR, spacy_version=versions["spacy"])
    mlflow_model.save(str(path / "MLmodel"))
    import yaml

    (path / "conda.yaml").write_text(yaml.safe_dump(
        _mlflow_conda_env(additional_pip_deps=requirements)))
    (path / "requirements.txt").write_text("\n".join(requirements) + "\n")
    _PythonEnv.current().to_yaml(str(path / "python_env.yaml"))


def _library_versions(kind: str) -> dict[str, str]:
    from importlib.metadata import version

    library = {"spacy": "spacy", "sentence-transformers": "sentence-transformers",
               "transformers": "transformers", "zero-shot": "sentence-transformers"}.get(kind)
    return {library: version(library)} if library else {}


def log_model(pipeline: str | Path, name: str = "model", registered_model_name: str | None = None,
              **kwargs: Any):
    """Log the pipeline to the active MLflow run (and register it when a name is given)."""
    from mlflow.models import Model

    return Model.log(artifact_path=None, name=name, flavor=sys.modules[__name__],
                     pipeline=pipeline,
                     registered_model_name=registered_model_name, **kwargs)


def load_model(model_uri: str, dst_path: str | None = None):
    """The library's own model inside a Myna MLflow Model (a spaCy ``Language``, a
    ``SentenceTransformer``)."""
    from myna.models import load_resolved
    from myna.models.resolver import Resolved

    directory, kind = flavor_directory(model_uri, dst_path)
    return load_resolved(Resolved(str(directory), kind, model_uri)).obj


class MynaPyfunc:
    """What ``mlflow.pyfunc.load_model`` returns for this flavor."""

    def __init__(self, predictor: Predictor):
        self.predictor = predictor

    def get_raw_model(self):
        return self.predictor.nlp

    def predict(self, model_input: Any, params: dict[str, Any] | None = None) -> pd.DataFrame:
        params = dict(params or {})
        task = self.predictor.task(params.pop("task", None))
        inputs = _texts(model_input) if task.takes_text else _records(model_input, task)
        given = {k: v for k, v in params.items()
                 if k in {p.name for p in task.params} and v is not None}
        rows = self.predictor.predict(inputs, task.name, errors="row", params=given)
        records = [task.pyfunc_record(row) for row in rows]
        schema = pyfunc_schema(task, self.predictor.model)
        frame = pd.DataFrame(records, columns=None if schema is None else schema.names)
        frame["error"] = pd.Series([r["error"] for r in rows], dtype=object)  # None, not NaN
        return frame


def _texts(model_input: Any) -> list:
    """A DataFrame (its ``text`` column, or its only column), a Series, list, array or str."""
    if isinstance(model_input, str):
        return [model_input]
    if isinstance(model_input, pd.DataFrame):
        if TEXT_COLUMN in model_input.columns:
            return model_input[TEXT_COLUMN].tolist()
        if len(model_input.columns) == 1:
            return model_input.iloc[:, 0].tolist()
        raise InputError(f"expected a {TEXT_COLUMN!r} column or a single column, found "
                         f"{', '.join(map(str, model_input.columns))}")
    if isinstance(model_input, dict) and TEXT_COLUMN in model_input:
        return list(model_input[TEXT_COLUMN])
    if hasattr(model_input, "tolist"):
        return list(model_input.tolist())
    if isinstance(model_input, list | tuple):
        return list(model_input)
    raise InputError(f"cannot read texts from a {type(model_input).__name__}")


def _records(model_input: Any, task: Task) -> list[dict[str, Any]]:
    """A DataFrame with the record's columns, a dict of columns, or a list of records."""
    names = task.input.names
    if isinstance(model_input, pd.DataFrame):
        missing = [n for n in names if n not in model_input.columns]
        if missing:
            raise InputError(f"task {task.name!r} needs the column(s) {', '.join(missing)}, "
                             f"found {', '.join(map(str, model_input.columns))}")
        return model_input[names].to_dict("records")
    if isinstance(model_input, dict):
        return pd.DataFrame(model_input)[names].to_dict("records")
    if isinstance(model_input, list | tuple) and all(isinstance(r, dict) for r in model_input):
        return list(model_input)
    raise InputError(f"task {task.name!r} takes records with {', '.join(names)}, not a "
                     f"{type(model_input).__name__}")


def _load_pyfunc(path: str) -> MynaPyfunc:
    """Called by ``mlflow.pyfunc.load_model`` with the flavor's ``data`` directory."""
    from myna.models import load_resolved
    from myna.models.mlflow_refs import flavor_conf
    from myna.models.resolver import Resolved

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    root = Path(path).parent
    conf = flavor_conf(root)
    kb = str(root / conf["kb"]) if conf.get("kb") else None
    resolved = Resolved(str(path), conf.get("kind", "spacy"), str(path), kb=kb)
    return MynaPyfunc(Predictor(load_resolved(resolved)))
