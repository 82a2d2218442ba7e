"""One entry point per direction: `read_examples(path)` and `write_examples(examples, path)`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from myna.core.atomic import atomic_path
from myna.core.errors import InputError
from myna.core.example import Example
from myna.data.cells import ReadReport

FORMATS = ("csv", "tsv", "jsonl", "prodigy", "parquet", "conll", "spacy")
EXTENSIONS = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".parquet": "parquet", ".pq": "parquet", ".conll": "conll", ".iob": "conll",
    ".bio": "conll", ".txt": "conll", ".spacy": "spacy",
}


def detect_format(path: str | Path, fmt: str | None = None) -> str:
    if fmt:
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in EXTENSIONS:
        raise InputError(
            f"cannot tell the format from the extension {suffix or '(none)'!r}; "
            f"pass --format ({', '.join(FORMATS)})", where=str(path))
    return EXTENSIONS[suffix]


def existing_file(path: str | Path) -> Path:
    """The file to read: ``path``, or for a pipe or FIFO a copy read once (`spool`)."""
    from myna.data.spool import readable_copy

    p = Path(path).expanduser()
    if not p.exists():
        raise InputError("no such file", where=str(p))
    if p.is_dir():
        raise InputError("is a directory, expected a file", where=str(p))
    return readable_copy(p)


def check_encoding(encoding: str) -> str:
    import codecs

    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r} (e.g. utf-8, latin-1, cp1252, "
                         "utf-16)", where="--encoding") from None
    return encoding


def read_examples(
    path: str | Path,
    fmt: str | None = None,
    text_column: str = "text",
    label_column: str | None = None,
    encoding: str = "utf-8",
    report: ReadReport | None = None,
    skip_bad_rows: bool = False,
) -> Iterator[Example]:
    """Stream `Example` records from any supported file; errors name file and line."""
    from myna.data import conll, docbin, tabular

    fmt = detect_format(path, fmt)
    check_encoding(encoding)
    p = existing_file(path)
    if fmt in ("csv", "tsv", "parquet"):
        return tabular.read_table(p, fmt, text_column, label_column, encoding, report,
                                  skip_bad_rows)
    if fmt in ("jsonl", "prodigy"):
        return tabular.read_jsonl(p, text_column, label_column, encoding, report, skip_bad_rows)
    if fmt == "conll":
        return conll.read_conll(p, encoding)
    return docbin.read_docbin(p)


def write_examples(examples: Iterable[Example], path: str | Path, fmt: str | None = None,
                   scheme: str = "bio") -> int:
    """Write examples atomically; returns how many were written."""
    from myna.data import conll, docbin, prodigy

    fmt = detect_format(path, fmt)
    with atomic_path(path) as tmp:
        if fmt == "conll":
            return conll.write_conll(examples, tmp, scheme)
        if fmt == "spacy":
            return docbin.write_docbin(examples, tmp)
        if fmt in ("jsonl", "prodigy"):
            convert = prodigy.example_to_task if fmt == "prodigy" else Example.to_dict
            n = 0
            with open(tmp, "w", encoding="utf-8") as f:
                for ex in examples:
                    f.write(json.dumps(convert(ex), ensure_ascii=False) + "\n")
                    n += 1
            return n
        rows = [_flat_row(ex) for ex in examples]
        _write_rows(rows, tmp, fmt)
        return len(rows)


def _flat_row(ex: Example) -> dict:
    label = max(ex.cats, key=ex.cats.__getitem__) if ex.cats else None
    return {"text": ex.text, "label": label,
            "spans": json.dumps([s.to_dict() for s in ex.spans]),
            "cats": json.dumps(ex.cats), "meta": json.dumps(ex.meta, default=str)}


def _write_rows(rows: list[dict], path: Path, fmt: str) -> None:
    import pandas as pd

    df = pd.DataFrame(rows, columns=["text", "label", "spans", "cats", "meta"])
    if fmt == "parquet":
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False, sep="\t" if fmt == "tsv" else ",")
