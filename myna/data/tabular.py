"""CSV/TSV, JSONL and Parquet tables as streams of rows and of `Example` records."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from myna.core.errors import InputError
from myna.core.example import Example, Span
from myna.data.cells import ReadReport, cell_to_text, check_utf8

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _missing_column(column: str, have: list[str], where: str) -> InputError:
    return InputError(f"no column {column!r}; columns are: {', '.join(map(str, have))}",
                      where=where)


Row = dict[str, Any] | InputError


def _undecodable(err: UnicodeError, encoding: str, where: str) -> InputError:
    reason = getattr(err, "reason", None) or str(err)
    return InputError(f"cannot read the file as {encoding}: {reason}; give its encoding with "
                      "--encoding", where=where)


def _checked_header(header: list[str], where: str) -> list[str]:
    header = [h.lstrip("\ufeff") if i == 0 else h for i, h in enumerate(header)]
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise InputError(f"column name(s) {', '.join(map(repr, twice))} appear more than once "
                         "in the header; rename them", where=where)
    return header


def iter_csv_rows(path: Path, delimiter: str = ",", encoding: str = "utf-8",
                  ) -> Iterator[tuple[int, Row]]:
    """Yield ``(line, row)``; a malformed row comes as an `InputError` in place of the dict so
    the reader may skip it and go on. Undecodable bytes stay as surrogates for the caller;
    a file that cannot be decoded at all (a wrong ``encoding``) stops with `InputError`."""
    with open(path, newline="", encoding=encoding, errors="surrogateescape") as f:
        reader = csv.reader(f, delimiter=delimiter)
        try:
            header = _checked_header(next(reader), f"{path}:1")
        except StopIteration:
            return
        except UnicodeError as err:
            raise _undecodable(err, encoding, f"{path}:1") from None
        width = len(header)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeError as err:
                raise _undecodable(err, encoding, f"{path}:{reader.line_num + 1}") from None
            if not row:
                continue
            if len(row) != width:
                yield reader.line_num, InputError(f"expected {width} fields, found {len(row)}",
                                                  where=f"{path}:{reader.line_num}")
                continue
            yield reader.line_num, dict(zip(header, row, strict=True))


def csv_header(path: Path, delimiter: str = ",", encoding: str = "utf-8") -> list[str]:
    with open(path, newline="", encoding=encoding, errors="surrogateescape") as f:
        try:
            return _checked_header(next(csv.reader(f, delimiter=delimiter), []), f"{path}:1")
        except UnicodeError as err:
            raise _undecodable(err, encoding, f"{path}:1") from None


def iter_jsonl_rows(path: Path, encoding: str = "utf-8") -> Iterator[tuple[int, Row]]:
    """Yield ``(line, object)``; a bad line comes as an `InputError` in place of the object."""
    with open(path, encoding=encoding, errors="surrogateescape") as f:
        lineno = 0
        while True:
            try:
                line = f.readline()
            except UnicodeError as err:
                raise _undecodable(err, encoding, f"{path}:{lineno + 1}") from None
            if not line:
                return
            lineno += 1
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                row = json.loads(check_utf8(line, where))
            except json.JSONDecodeError as err:
                row = InputError(f"invalid JSON ({err.msg} at column {err.colno})", where=where)
            except RecursionError:
                row = InputError("JSON nested too deeply", where=where)
            except InputError as err:
                row = err
            if not isinstance(row, dict | InputError):
                row = InputError("each line must be a JSON object", where=where)
            yield lineno, row


def checked(rows: Iterator[tuple[int, Row]]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Rows with the first bad one raised: for readers that never skip."""
    for n, row in rows:
        if isinstance(row, InputError):
            raise row
        yield n, row


def iter_parquet_column(path: Path, columns: list[str], batch_size: int = 8192,
                        ) -> Iterator[tuple[int, dict[str, Any]]]:
    pf = open_parquet(path)
    names = pf.schema_arrow.names
    for c in columns:
        if c not in names:
            raise _missing_column(c, names, str(path))
    row = 0
    for batch in pf.iter_batches(columns=columns, batch_size=batch_size):
        for values in batch.to_pylist():
            row += 1
            yield row, values


def open_parquet(path: Path):
    """A `pyarrow.parquet.ParquetFile`, or `InputError` for a file that is not one."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as err:
        raise InputError(f"not a readable Parquet file ({err})", where=str(path)) from None


def count_rows(path: Path, fmt: str) -> int | None:
    """Cheap row count for progress bars; ``None`` where it would need a full parse."""
    if fmt == "parquet":
        return open_parquet(path).metadata.num_rows
    if fmt in ("jsonl", "prodigy"):
        with open(path, "rb") as f:
            return sum(1 for line in f if line.strip())
    if fmt in ("csv", "tsv"):
        with open(path, newline="", encoding="utf-8", errors="surrogateescape") as f:
            return max(sum(1 for _ in csv.reader(f, delimiter="\t" if fmt == "tsv" else ",")) - 1,
                       0)
    return None


def _examples(rows: Iterator[tuple[int, Row]], convert: Callable[[int, dict], Example],
              report: ReadReport | None, skip_bad_rows: bool) -> Iterator[Example]:
    """Convert rows; a bad row stops the read, or with ``skip_bad_rows`` is reported."""
    for n, row in rows:
        try:
            if isinstance(row, InputError):
                raise row
            ex = convert(n, row)
        except InputError as err:
            if not skip_bad_rows:
                raise
            if report is not None:
                report.skipped.append(str(err))
            continue
        if report is not None:
            report.rows += 1
        yield ex


def read_table(
    path: Path,
    fmt: str,
    text_column: str = "text",
    label_column: str | None = None,
    encoding: str = "utf-8",
    report: ReadReport | None = None,
    skip_bad_rows: bool = False,
) -> Iterator[Example]:
    """Examples from a CSV/TSV/Parquet table: text from ``text_column``, category from
    ``label_column`` (one label per row, stored as ``cats[label] = 1.0``)."""
    columns = [text_column] + ([label_column] if label_column else [])
    if fmt in ("csv", "tsv"):
        delim = "\t" if fmt == "tsv" else ","
        header = csv_header(path, delim, encoding)
        for c in columns:
            if c not in header:
                raise _missing_column(c, header, str(path))
        rows = iter_csv_rows(path, delim, encoding)
        place = str(path) + ":{}"
    elif fmt == "parquet":
        rows = iter_parquet_column(path, columns)
        place = str(path) + ": row {}"
    else:
        raise InputError(f"not a table format: {fmt}", where=str(path))

    def convert(n: int, row: dict) -> Example:
        ex = _row_to_example(row, place.format(n), text_column, label_column, report)
        ex.meta["row"] = n
        return ex

    return _examples(rows, convert, report, skip_bad_rows)


def _row_to_example(row: dict[str, Any], where: str, text_column: str, label_column: str | None,
                    report: ReadReport | None) -> Example:
    text = check_utf8(cell_to_text(row[text_column], f"{where}: column {text_column!r}", report),
                      f"{where}: column {text_column!r}")
    ex = Example(text=text)
    if label_column:
        label = cell_to_text(row[label_column], f"{where}: column {label_column!r}")
        if label:
            ex.cats = {check_utf8(label, f"{where}: column {label_column!r}"): 1.0}
    return ex


def read_jsonl(
    path: Path,
    text_column: str = "text",
    label_column: str | None = None,
    encoding: str = "utf-8",
    report: ReadReport | None = None,
    skip_bad_rows: bool = False,
) -> Iterator[Example]:
    """Examples from JSONL: Myna's own schema, Prodigy tasks, or any object with a text field."""
    from myna.data.prodigy import is_prodigy_task, task_to_example

    def convert(lineno: int, row: dict) -> Example:
        where = f"{path}:{lineno}"
        if text_column not in row:
            raise InputError(f"no field {text_column!r} (fields: {', '.join(row)})", where=where)
        if is_prodigy_task(row):
            ex = task_to_example(row, where, text_column)
        else:
            ex = _row_to_example(row, where, text_column, label_column, report)
            ex.spans = [_span(s, where) for s in row.get("spans") or []]
            if isinstance(row.get("cats"), dict):
                ex.cats = {str(k): _score(v, f"{where}: cats[{k!r}]")
                           for k, v in row["cats"].items()}
            if isinstance(row.get("meta"), dict):
                ex.meta.update(row["meta"])
        ex.validate(where)
        ex.meta.setdefault("line", lineno)
        return ex

    return _examples(iter_jsonl_rows(path, encoding), convert, report, skip_bad_rows)


def _score(value: Any, where: str) -> float:
    """A category score: a number (or boolean) from 0 to 1."""
    if isinstance(value, bool):
        return float(value)
    if not isinstance(value, int | float) or not 0 <= value <= 1:
        raise InputError(f"a category score must be a number from 0 to 1, not {value!r}",
                         where=where)
    return float(value)


def _span(data: Any, where: str) -> Span:
    try:
        return Span.from_dict(data)
    except (KeyError, TypeError, ValueError):
        raise InputError(f"span {data!r} needs integer 'start', 'end' and a 'label'",
                         where=where) from None
