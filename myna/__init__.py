"""Myna: an applied-NLP workbench for enterprise text.

``myna.load(ref)`` loads any model Myna can run (an installed spaCy pipeline, a model
directory, ``models:/NAME@ALIAS``, ``models:/NAME/3``, ``runs:/ID/model``, a hub id);
``myna.Predictor(model).predict(texts, task)`` runs any registered task on it."""

from importlib.metadata import PackageNotFoundError, version

from myna.core.example import Example, Span, Token

try:
    __version__ = version("myna")  # one source: pyproject.toml
except PackageNotFoundError:  # a checkout that was never installed
    __version__ = "0+unknown"
__all__ = ["Example", "Predictor", "Span", "Token", "__version__", "analyze", "load"]


def __getattr__(name: str):
    # These pull in spaCy, MLflow or torch (seconds): import them on first use, so that
    # commands which need none of them (`myna --help`, `myna jobs`, ...) start quickly.
    if name == "analyze":
        from myna.text.analyze import analyze

        return analyze
    if name == "load":
        from myna.models import load

        return load
    if name == "Predictor":
        from myna.tasks import Predictor

        return Predictor
    raise AttributeError(f"module 'myna' has no attribute {name!r}")
