"""The corpus options `myna tokenizer train` and `myna vectors train` share."""

from __future__ import annotations

import typer

CORPUS = typer.Argument(..., help="Text files (a text per line), or data files with --column.")
COLUMN = typer.Option(None, "--column", "-c",
                      help="Text column of CSV, TSV, JSONL or Parquet files.")
SAMPLE = typer.Option(1.0, "--sample", help="Share of the texts to train on (seeded).")
MAX_MB = typer.Option(None, "--max-mb",
                      help="Stop reading after this many MB of text (memory budget).")
