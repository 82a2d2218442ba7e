"""Stream analysis rows to JSONL, CSV or Parquet; the file appears only when complete."""

from __future__ import annotations

import csv
import json
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from myna.core.atomic import atomic_path
from myna.core.errors import InputError
from myna.core.example import Example
from myna.text.records import analysis_row, arrow_schema

OUTPUT_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}
PARQUET_ROW_GROUP = 10_000


def output_format(path: Path) -> str:
    fmt = OUTPUT_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError("output must end in .jsonl, .csv or .parquet", where=str(path))
    return fmt


class AnalysisWriter:
    """Context manager: ``with AnalysisWriter(path, features) as w: w.write(example)``."""

    def __init__(self, path: str | Path, features: frozenset[str]):
        self.path = Path(path)
        self.fmt = output_format(self.path)
        self.features = features
        self.count = 0
        self._stack = ExitStack()
        self._buffer: list[dict[str, Any]] = []
        self._csv: Any = None
        self._parquet: Any = None

    def __enter__(self) -> AnalysisWriter:
        self._tmp = self._stack.enter_context(atomic_path(self.path))
        if self.fmt != "parquet":
            self._file = self._stack.enter_context(open(self._tmp, "w", encoding="utf-8",
                                                        newline=""))
        return self

    def write(self, ex: Example) -> None:
        row = analysis_row(ex, self.features)
        self.count += 1
        if self.fmt == "jsonl":
            self._file.write(json.dumps(row, ensure_ascii=False) + "\n")
        elif self.fmt == "csv":
            if self._csv is None:
                self._csv = csv.DictWriter(self._file, fieldnames=list(row))
                self._csv.writeheader()
            self._csv.writerow({k: json.dumps(v, ensure_ascii=False)
                                if isinstance(v, list) else v for k, v in row.items()})
        else:
            self._buffer.append(row)
            if len(self._buffer) >= PARQUET_ROW_GROUP:
                self._flush_parquet()

    def _flush_parquet(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._parquet is None:
            id_column = next((k for k in ("row", "line") if self._buffer and
                              k in self._buffer[0]), None)
            self._schema = arrow_schema(self.features, id_column)
            self._parquet = self._stack.enter_context(pq.ParquetWriter(self._tmp, self._schema))
        if self._buffer:
            self._parquet.write_table(pa.Table.from_pylist(self._buffer, schema=self._schema))
            self._buffer = []

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None and self.fmt == "parquet":
            self._flush_parquet()
        # On an exception the temp file is dropped and the previous output stays in place.
        self._stack.__exit__(exc_type, exc, tb)
