"""Input records for a task from a file, and its results written next to them: what
`myna predict --file` reads and writes. A text task reads one column; a task whose input is a
record (question answering: question + context) reads one column per field (by default the
columns of the same names)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pyarrow as pa

from myna.core.atomic import atomic_path
from myna.core.errors import InputError
from myna.data.formats import detect_format, existing_file
from myna.data.tabular import (
    count_rows,
    csv_header,
    iter_csv_rows,
    iter_jsonl_rows,
    open_parquet,
)
from myna.tasks import Task

OUTPUT_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}


def field_columns(task: Task, column: str, mapping: list[str]) -> dict[str, str]:
    """Task input field → file column: ``--column`` for a text task's text; ``FIELD=COLUMN``
    items for the fields of a record task (unnamed fields read the column of their name)."""
    out = {name: name for name in task.input.names}
    if task.takes_text:
        out[task.input.names[0]] = column
    for item in mapping:
        name, sep, col = item.partition("=")
        if not sep or name not in out or not col or task.takes_text:
            raise InputError(f"--input-column {item!r}: expected FIELD=COLUMN with FIELD one "
                             f"of {', '.join(out)} (a text task reads --column)")
        out[name] = col
    return out


def read_records(path: Path, fmt: str | None, fields: dict[str, str], encoding: str,
                 ) -> tuple[Iterator[tuple[str, dict[str, Any] | InputError]], int | None,
                            list[str]]:
    """(``file:line``, row) per input row, rows as dicts of the file's columns; the number
    of rows when cheap to know; the column names (JSONL: the fields of the first row)."""
    path = existing_file(path)
    kind = detect_format(path, fmt)
    if kind not in ("csv", "tsv", "jsonl", "parquet"):
        raise InputError(f"reads CSV, TSV, JSONL or Parquet, not {kind}", where=str(path))
    if kind == "parquet":
        names = open_parquet(path).schema_arrow.names
        _check_columns(names, fields, path)
        return _parquet_rows(path), count_rows(path, kind), names
    if kind == "jsonl":
        first = next((r for _, r in iter_jsonl_rows(path, encoding) if isinstance(r, dict)), {})
        names = list(first) or list(fields.values())
        rows = iter_jsonl_rows(path, encoding)
    else:
        delimiter = "\t" if kind == "tsv" else ","
        names = csv_header(path, delimiter, encoding)
        _check_columns(names, fields, path)
        rows = iter_csv_rows(path, delimiter, encoding)
    return ((f"{path}:{line}", row) for line, row in rows), count_rows(path, kind), names


def _check_columns(names: list[str], fields: dict[str, str], path: Path) -> None:
    missing = [c for c in fields.values() if c not in names]
    if missing:
        raise InputError(f"no column {', '.join(map(repr, missing))}; columns are: "
                         f"{', '.join(names)}", where=str(path))


def _parquet_rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    n = 0
    for batch in open_parquet(path).iter_batches(batch_size=4096):
        for row in batch.to_pylist():
            n += 1
            yield f"{path}: row {n}", row


def task_input(task: Task, row: dict[str, Any], fields: dict[str, str]) -> Any:
    if task.takes_text:
        return row.get(fields[task.input.names[0]])
    return {name: row.get(col) for name, col in fields.items()}


class ResultWriter:
    """``with ResultWriter(path, schema) as w: w.write(rows)``: the input's fields and the
    task's columns; JSONL, CSV (nested values as JSON) or Parquet; the file appears only when
    complete (a crash leaves any previous file as it was)."""

    def __init__(self, path: Path, schema: pa.Schema):
        self.fmt = OUTPUT_FORMATS.get(path.suffix.lower())
        if self.fmt is None:
            raise InputError("output must end in .jsonl, .csv or .parquet", where=str(path))
        self.path, self.schema = path, schema
        self.count = 0
        self._stack = ExitStack()

    def __enter__(self) -> ResultWriter:
        tmp = self._stack.enter_context(atomic_path(self.path))
        if self.fmt == "parquet":
            import pyarrow.parquet as pq

            self._out: Any = self._stack.enter_context(pq.ParquetWriter(tmp, self.schema))
        else:
            self._out = self._stack.enter_context(open(tmp, "w", encoding="utf-8", newline=""))
            if self.fmt == "csv":
                self._csv = csv.writer(self._out)
                self._csv.writerow(self.schema.names)
        return self

    def write(self, rows: list[dict[str, Any]]) -> None:
        if self.fmt == "parquet":
            self._out.write_table(pa.Table.from_pylist(rows, schema=self.schema))
        elif self.fmt == "csv":
            for row in rows:
                self._csv.writerow([_cell(row.get(c)) for c in self.schema.names])
        else:
            for row in rows:
                self._out.write(json.dumps({c: row.get(c) for c in self.schema.names},
                                           ensure_ascii=False) + "\n")
        self.count += len(rows)

    def __exit__(self, *exc: Any) -> None:
        self._stack.__exit__(*exc)


def _cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value
