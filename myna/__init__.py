"""Myna: an applied-NLP workbench for enterprise text."""

from myna.data.example import Example, Span, Token

__version__ = "0.1.0"
__all__ = ["Example", "Span", "Token", "analyze", "__version__"]


def __getattr__(name: str):
    # `analyze` pulls in spaCy (seconds); import it on first use so that commands which do
    # not need spaCy (`myna annotate list`, `myna jobs`, ...) start quickly.
    if name == "analyze":
        from myna.text.analyze import analyze

        return analyze
    raise AttributeError(f"module 'myna' has no attribute {name!r}")
