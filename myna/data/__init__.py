"""Readers, writers, splits and statistics; everything yields or takes `Example` records."""

from myna.core.example import Example, Span, Token
from myna.data.formats import FORMATS, detect_format, read_examples, write_examples
from myna.data.splits import train_dev_split
from myna.data.stats import compute_stats

__all__ = ["Example", "Span", "Token", "FORMATS", "detect_format", "read_examples",
           "write_examples", "train_dev_split", "compute_stats"]
