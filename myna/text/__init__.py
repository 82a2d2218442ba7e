"""Linguistic analysis with spaCy: model resolution, `analyze()`, entity linking, displaCy."""

from myna.text.features import FEATURES

__all__ = ["analyze", "FEATURES"]


def __getattr__(name: str):
    if name == "analyze":  # imports spaCy: only when asked for
        from myna.text.analyze import analyze

        return analyze
    raise AttributeError(f"module 'myna.text' has no attribute {name!r}")
