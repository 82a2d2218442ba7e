"""Myna: an applied-NLP workbench for enterprise text."""

from myna.data.example import Example, Span, Token
from myna.text.analyze import analyze

__version__ = "0.1.0"
__all__ = ["Example", "Span", "Token", "analyze", "__version__"]
