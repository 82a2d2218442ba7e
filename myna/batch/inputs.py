"""The local engine's reader: the whole input table in chunks, every column kept, each row's
text checked. A row that cannot be read becomes a row of nulls with its reason, not a stop."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from myna.batch.tasks import ERROR_COLUMN
from myna.core.errors import InputError
from myna.data.cells import check_utf8
from myna.data.formats import check_encoding, detect_format, existing_file
from myna.data.tabular import (
    count_rows,
    csv_header,
    iter_csv_rows,
    iter_jsonl_rows,
    open_parquet,
)

INPUT_FORMATS = ("csv", "tsv", "jsonl", "parquet")


@dataclass
class InputTable:
    path: Path
    fmt: str
    column: str
    schema: pa.Schema  # the input columns as they will be written
    rows: int | None  # for the progress bar
    encoding: str = "utf-8"
    fields: dict[str, str] | None = None  # a record task's fields → columns

    def input_of(self, row: dict[str, Any], where: str) -> tuple[Any, str | None]:
        """A row's input for the model (its text, or its record) and why it cannot be run."""
        if self.fields is None:
            value = row.get(self.column)
            problem = text_problem(value, f"{where}: column {self.column!r}")
            return ("" if problem else value), problem
        record = {name: row.get(col) for name, col in self.fields.items()}
        for name, col in self.fields.items():
            problem = text_problem(record[name], f"{where}: column {col!r}")
            if problem:
                return {}, problem
        return record, None


@dataclass
class Chunk:
    table: pa.Table  # input columns
    texts: list[Any]  # the text cell per row ("" where the row is already an error)
    errors: list[str | None]  # read problems, per row
    places: list[str] = field(default_factory=list)  # "file:line" per row, for messages


def open_input(path: str | Path, column: str, fmt: str | None = None,
               encoding: str = "utf-8", reserved: tuple[str, ...] = (),
               fields: dict[str, str] | None = None) -> InputTable:
    """Check everything that would stop the job before it starts: the file, its format, the
    column, and input columns that would clash with the result columns."""
    kind = detect_format(path, fmt)
    check_encoding(encoding)
    p = existing_file(path)
    if kind not in INPUT_FORMATS:
        raise InputError(f"batch reads CSV, TSV, JSONL or Parquet, not {kind}", where=str(p))
    if kind in ("csv", "tsv"):
        header = csv_header(p, "\t" if kind == "tsv" else ",", encoding)
        if not header:
            raise InputError("the file is empty (no header row)", where=str(p))
        schema = pa.schema([(name, pa.string()) for name in header])
    elif kind == "parquet":
        schema = open_parquet(p).schema_arrow
    else:
        schema = _jsonl_schema(p, encoding, list(fields.values()) if fields else [column])
    for name in (fields.values() if fields else [column]):
        if name not in schema.names:
            raise InputError(f"no column {name!r}; columns are: {', '.join(schema.names)}",
                             where=str(p))
    clash = [c for c in schema.names if c in (*reserved, ERROR_COLUMN)]
    if clash:
        raise InputError(f"input column(s) {', '.join(map(repr, clash))} would be overwritten "
                         "by the result; rename them first", where=str(p))
    return InputTable(p, kind, column, schema, count_rows(p, kind), encoding, fields)


def read_chunks(table: InputTable, chunk_rows: int = 1000) -> Iterator[Chunk]:
    if table.fmt == "parquet":
        yield from _parquet_chunks(table, chunk_rows)
        return
    if table.fmt == "jsonl":
        rows = iter_jsonl_rows(table.path, table.encoding)
    else:
        rows = iter_csv_rows(table.path, "\t" if table.fmt == "tsv" else ",", table.encoding)
    buffer: list[tuple[int, Any]] = []
    for item in rows:
        buffer.append(item)
        if len(buffer) >= chunk_rows:
            yield _row_chunk(table, buffer)
            buffer = []
    if buffer:
        yield _row_chunk(table, buffer)


def text_problem(value: Any, where: str) -> str | None:
    """Why a text cell cannot be run, before any model sees it (the model checks the rest)."""
    if value is None:
        return f"{where}: no text (the cell is null)"
    if isinstance(value, str):
        try:
            check_utf8(value, where)
        except InputError as err:
            return str(err)
    return None


def _row_chunk(table: InputTable, items: list[tuple[int, Any]]) -> Chunk:
    names = table.schema.names
    columns: dict[str, list[Any]] = {n: [] for n in names}
    texts: list[Any] = []
    errors: list[str | None] = []
    places: list[str] = []
    for line, row in items:
        where = f"{table.path}:{line}"
        places.append(where)
        if isinstance(row, InputError):
            for n in names:
                columns[n].append(None)
            texts.append("")
            errors.append(str(row))
            continue
        try:
            cells = {n: _cell(row.get(n), table.schema.field(n).type, f"{where}: column {n!r}")
                     for n in names}
        except InputError as err:  # a value the column cannot hold: this row only
            cells, row = dict.fromkeys(names), {}
            problem: str | None = str(err)
        else:
            problem = None
        for n in names:
            columns[n].append(cells[n])
        value, why = table.input_of(row, where)
        problem = problem or why
        texts.append(value if not problem else "")
        errors.append(problem)
    arrays = [pa.array(columns[n], type=table.schema.field(n).type) for n in names]
    return Chunk(pa.Table.from_arrays(arrays, schema=table.schema), texts, errors, places)


INT64 = (-(2**63), 2**63 - 1)


def _cell(value: Any, kind: pa.DataType, where: str) -> Any:
    """A value as its column stores it: undecodable bytes become U+FFFD (the row's text is
    checked separately), values that do not fit a string column become their JSON text; an
    integer beyond 64 bits is this row's error."""
    if value is None:
        return None
    if pa.types.is_integer(kind) and isinstance(value, int) \
            and not INT64[0] <= value <= INT64[1]:
        raise InputError(f"integer {value} does not fit in 64 bits", where=where)
    if pa.types.is_string(kind):
        if not isinstance(value, str):
            return json.dumps(value, ensure_ascii=False)
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if pa.types.is_floating(kind) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _parquet_chunks(table: InputTable, chunk_rows: int) -> Iterator[Chunk]:
    row = 0
    for batch in open_parquet(table.path).iter_batches(batch_size=chunk_rows):
        texts, errors, places = [], [], []
        wanted = list(table.fields.values()) if table.fields else [table.column]
        for values in batch.select(wanted).to_pylist():
            row += 1
            where = f"{table.path}: row {row}"
            places.append(where)
            value, problem = table.input_of(values, where)
            texts.append(value)
            errors.append(problem)
        yield Chunk(pa.Table.from_batches([batch]), texts, errors, places)


_JSON_TYPES = {bool: pa.bool_(), int: pa.int64(), float: pa.float64(), str: pa.string()}


def _jsonl_schema(path: Path, encoding: str, text_columns: list[str]) -> pa.Schema:
    """One pass over the file, as Spark's JSON reader does: columns in order of first
    appearance; a column keeps a number or boolean type only if every value has it."""
    seen: dict[str, set[type]] = {}
    for _, row in iter_jsonl_rows(path, encoding):
        if isinstance(row, InputError):
            continue
        for key, value in row.items():
            kinds = seen.setdefault(key, set())
            if value is not None:
                kinds.add(type(value))
    fields = []
    for key, kinds in seen.items():
        if kinds == {int, float}:
            kinds = {float}
        kind = _JSON_TYPES.get(next(iter(kinds))) if len(kinds) == 1 else None
        fields.append((key, pa.string() if key in text_columns or kind is None else kind))
    return pa.schema(fields)
