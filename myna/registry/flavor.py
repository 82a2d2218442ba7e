"""The ``myna`` MLflow flavor: any Myna pipeline (NER, textcat, analysis) as an MLflow Model.

The MLmodel file lists three ways to load the same artifact:
- ``python_function``: ``mlflow.pyfunc.load_model(uri).predict(texts)`` returns a DataFrame with
  ``entities`` (NER), ``predictions`` ({label: score}, like MLflow's spaCy flavor) or the
  analysis columns; ``params={"task": ...}`` picks another task the pipeline can do. This is
  also what ``mlflow.pyfunc.spark_udf`` and ``mlflow models serve`` call.
- ``myna``: ``load_model(uri)`` gives the spaCy pipeline back (``myna serve`` uses it).
- ``spacy``: MLflow's own ``mlflow.spacy.load_model(uri)`` works on it as well.
MLflow's spaCy flavor gives a pipeline without ``textcat`` no pyfunc flavor (mlflow#2772).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from myna.errors import InputError
from myna.text.predictor import Predictor, pipeline_tasks

FLAVOR_NAME = "myna"
PIPELINE_DIR = "pipeline"
TEXT_COLUMN = "text"


def myna_version() -> str:
    from importlib.metadata import version

    return version("myna")


def output_schema(task: str):
    """What ``predict`` returns for ``task``, as an MLflow schema (``None`` for analysis)."""
    from mlflow.types.schema import Array, ColSpec, DataType, Map, Object, Property, Schema

    if task == "ner":
        entity = Object([Property("text", DataType.string),
                         Property("start_char", DataType.long),
                         Property("end_char", DataType.long),
                         Property("label", DataType.string),
                         Property("kb_id", DataType.string, required=False)])
        columns = [ColSpec(Array(entity), "entities")]
    elif task == "textcat":
        columns = [ColSpec(Map(DataType.double), "predictions"),
                   ColSpec(DataType.string, "label"), ColSpec(DataType.double, "score")]
    else:
        return None
    # Every row says why it failed (or null), so one bad cell does not fail a Spark job. It
    # also makes the result a struct: MLflow's spark_udf mis-nests a lone array<struct> column.
    return Schema([*columns, ColSpec(DataType.string, "error", required=False)])


def signature(task: str):
    from mlflow.models import ModelSignature
    from mlflow.types.schema import ColSpec, DataType, ParamSchema, ParamSpec, Schema

    # Unnamed, so a plain list of strings passes MLflow's schema check as well as a DataFrame.
    return ModelSignature(inputs=Schema([ColSpec(DataType.string)]),
                          outputs=output_schema(task),
                          params=ParamSchema([ParamSpec("task", DataType.string, task)]))


def save_model(pipeline: str | Path, path: str | Path, mlflow_model=None,
               pip_requirements: list[str] | None = None, metadata: dict | None = None,
               **_: Any) -> None:
    """Write the spaCy pipeline ``pipeline`` (a directory or an installed name) into a new
    MLflow Model at ``path``."""
    import mlflow
    import spacy
    from mlflow.models import Model
    from mlflow.pyfunc import add_to_model
    from mlflow.utils.environment import _mlflow_conda_env, _PythonEnv

    path = Path(path)
    if path.exists() and any(path.iterdir()):
        raise InputError(f"{path} already exists and is not empty")
    from myna.text.models import resolve_model

    nlp = spacy.load(resolve_model(pipeline))
    tasks = pipeline_tasks(nlp)
    path.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(path / PIPELINE_DIR)
    model = mlflow_model if mlflow_model is not None else Model()
    model.signature = signature(tasks[0])
    model.metadata = {**(model.metadata or {}), **(metadata or {}),
                      "myna_tasks": tasks, "labels": Predictor(nlp).labels}
    requirements = pip_requirements or [f"myna=={myna_version()}",
                                        f"spacy=={spacy.__version__}",
                                        f"mlflow=={mlflow.__version__}"]
    add_to_model(model, loader_module=__name__, data=PIPELINE_DIR, conda_env="conda.yaml",
                 python_env="python_env.yaml")
    model.add_flavor(FLAVOR_NAME, data=PIPELINE_DIR, tasks=tasks, default_task=tasks[0],
                     myna_version=myna_version(), spacy_version=spacy.__version__)
    model.add_flavor("spacy", data=PIPELINE_DIR, spacy_version=spacy.__version__)
    model.save(str(path / "MLmodel"))
    import yaml

    (path / "conda.yaml").write_text(yaml.safe_dump(
        _mlflow_conda_env(additional_pip_deps=requirements)))
    (path / "requirements.txt").write_text("\n".join(requirements) + "\n")
    _PythonEnv.current().to_yaml(str(path / "python_env.yaml"))


def log_model(pipeline: str | Path, name: str = "model", registered_model_name: str | None = None,
              **kwargs: Any):
    """Log the pipeline to the active MLflow run (and register it when a name is given)."""
    from mlflow.models import Model

    return Model.log(artifact_path=None, name=name, flavor=sys.modules[__name__],
                     pipeline=pipeline,
                     registered_model_name=registered_model_name, **kwargs)


def local_pipeline(model_uri: str, dst_path: str | None = None) -> Path:
    """Download (if remote) an MLflow Model of this flavor; return its pipeline directory."""
    from mlflow.artifacts import download_artifacts
    from mlflow.models import Model

    local = Path(download_artifacts(artifact_uri=model_uri, dst_path=dst_path))
    flavors = Model.load(str(local / "MLmodel")).flavors
    if FLAVOR_NAME not in flavors:
        raise InputError(f"{model_uri} is not a Myna model (flavors: {', '.join(flavors)})")
    return local / flavors[FLAVOR_NAME]["data"]


def load_model(model_uri: str, dst_path: str | None = None):
    """The spaCy pipeline inside a Myna MLflow Model."""
    import spacy

    return spacy.load(local_pipeline(model_uri, dst_path))


class MynaPyfunc:
    """What ``mlflow.pyfunc.load_model`` returns for this flavor."""

    def __init__(self, predictor: Predictor):
        self.predictor = predictor

    def get_raw_model(self):
        return self.predictor.nlp

    def predict(self, model_input: Any, params: dict[str, Any] | None = None) -> pd.DataFrame:
        task = self.predictor.check_task((params or {}).get("task"))
        rows = pyfunc_rows(task, self.predictor.predict(_texts(model_input), task, errors="row"))
        frame = pd.DataFrame(rows, columns=PYFUNC_COLUMNS.get(task))
        frame["error"] = pd.Series([r["error"] for r in rows], dtype=object)  # None, not NaN
        return frame


PYFUNC_COLUMNS = {"ner": ["entities", "error"], "link": ["entities", "error"],
                  "textcat": ["predictions", "label", "score", "error"]}


def pyfunc_rows(task: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Predictor records as the pyfunc returns them: categories under ``predictions``, as
    MLflow's spaCy flavor names them, so its clients read Myna models unchanged."""
    if task != "textcat":
        return rows
    return [{"predictions": r["cats"], "label": r["label"], "score": r["score"],
             "error": r.get("error")} for r in rows]


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


def _load_pyfunc(path: str) -> MynaPyfunc:
    """Called by ``mlflow.pyfunc.load_model`` with the flavor's ``data`` directory."""
    import spacy

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    return MynaPyfunc(Predictor(spacy.load(path), name=str(path)))

