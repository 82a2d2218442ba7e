"""Texts of a training corpus, streamed: plain-text files (one text per non-blank line) or any
Myna data file's column (CSV, TSV, JSONL, Parquet). Tokenizer and vector trainers read corpora
larger than memory through this: nothing is held but the current line, ``sample`` keeps a
seeded share of the texts, and ``max_mb`` stops after that many megabytes of text."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from myna.core.errors import InputError
from myna.data.cells import check_utf8
from myna.data.formats import detect_format, existing_file

TABULAR = ("csv", "tsv", "jsonl", "parquet")


@dataclass
class Corpus:
    paths: list[Path]
    column: str | None = None  # None: plain text, a text per line
    sample: float = 1.0
    max_mb: float | None = None
    seed: int = 0
    encoding: str = "utf-8"
    texts: int = field(default=0, init=False)  # read so far (after sampling)
    bytes: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if not 0 < self.sample <= 1:
            raise InputError(f"--sample must be above 0 and at most 1 (got {self.sample})")
        if self.max_mb is not None and self.max_mb <= 0:
            raise InputError(f"--max-mb must be above 0 (got {self.max_mb})")
        if not self.paths:
            raise InputError("no corpus files given")
        for path in self.paths:
            existing_file(path)

    @property
    def total_bytes(self) -> int:
        """The files' sizes: what a progress bar can aim at."""
        return sum(p.stat().st_size for p in self.paths)

    def __iter__(self) -> Iterator[str]:
        self.texts = self.bytes = 0
        rng = random.Random(self.seed)
        budget = None if self.max_mb is None else int(self.max_mb * 1_000_000)
        for path in self.paths:
            for text in self._texts(path):
                if self.sample < 1 and rng.random() >= self.sample:
                    continue
                self.texts += 1
                self.bytes += len(text.encode("utf-8"))
                yield text
                if budget is not None and self.bytes >= budget:
                    return

    def _texts(self, path: Path) -> Iterator[str]:
        if self.column is None:
            yield from _lines(path, self.encoding)
            return
        kind = detect_format(path)
        if kind not in TABULAR:
            raise InputError(f"--column reads CSV, TSV, JSONL or Parquet, not {kind}",
                             where=str(path))
        from myna.data.tabular import (
            csv_header,
            iter_csv_rows,
            iter_jsonl_rows,
            iter_parquet_column,
        )

        if kind == "parquet":
            for _, record in iter_parquet_column(path, [self.column]):
                value = record[self.column]
                if isinstance(value, str) and value.strip():
                    yield value
            return
        if kind == "jsonl":
            rows = iter_jsonl_rows(path, self.encoding)
        else:
            delimiter = "\t" if kind == "tsv" else ","
            if self.column not in csv_header(path, delimiter, self.encoding):
                raise InputError(f"no column {self.column!r}", where=str(path))
            rows = iter_csv_rows(path, delimiter, self.encoding)
        for line, row in rows:
            if isinstance(row, InputError):
                raise row
            value = row.get(self.column)
            if isinstance(value, str) and value.strip():
                yield check_utf8(value, f"{path}:{line}")


def _lines(path: Path, encoding: str) -> Iterator[str]:
    with open(path, encoding=encoding, errors="surrogateescape") as f:
        for number, line in enumerate(f, start=1):
            text = line.strip()
            if text:
                yield check_utf8(text, f"{path}:{number}")
