"""Linguistic analysis with spaCy: model resolution, `analyze()`, entity linking, displaCy."""

from myna.text.analyze import analyze
from myna.text.features import FEATURES

__all__ = ["analyze", "FEATURES"]
