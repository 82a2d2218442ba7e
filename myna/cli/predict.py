"""`myna predict TASK`: run any task (Hugging Face's task names work too) on a text, a record
or a file, with any model reference."""

from __future__ import annotations

import json
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import typer

from myna.cli.pairs import key_values
from myna.core.console import console, err_console, progress_bar
from myna.core.errors import InputError

CHUNK = 2000  # inputs per model call when reading a file


def predict_command(
    task_name: str = typer.Argument(..., metavar="TASK",
                                    help="A task or alias: textcat/sentiment, ner/"
                                         "token-classification, question-answering, "
                                         "summarization, text-generation, fill-mask, "
                                         "zero-shot-classification, sentence-similarity, "
                                         "embed/feature-extraction, …"),
    text: str | None = typer.Argument(None, help="The text (a record task: its last field)."),
    model: str | None = typer.Option(None, "--model", "-m",
                                     help="A model directory, models:/NAME@ALIAS, a hub id "
                                          "(cached when offline), zero-shot:A,B; default: the "
                                          "task's default model (MiniLM for zero-shot)."),
    fields: list[str] = typer.Option([], "--input", "-i", metavar="FIELD=VALUE",
                                     help="A field of a record input (question=…)."),
    file: Path | None = typer.Option(None, "--file", "-f", help="CSV/TSV/JSONL/Parquet input."),
    column: str = typer.Option("text", "--column", "-c", help="Text column of --file."),
    input_columns: list[str] = typer.Option([], "--input-column", metavar="FIELD=COLUMN",
                                            help="Column of --file for a record field."),
    fmt: str | None = typer.Option(None, "--format", help="Input format if not by extension."),
    encoding: str = typer.Option("utf-8", "--encoding"),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write .jsonl, .csv or .parquet."),
    params: list[str] = typer.Option([], "--param", "-p", metavar="NAME=VALUE",
                                     help="A task parameter (max_new_tokens=40, top_k=3, …)."),
    labels: str | None = typer.Option(None, "--labels", help="Zero-shot labels: A,B,C "
                                                             "(same as --param labels=…)."),
    descriptions: Path | None = typer.Option(None, "--descriptions",
                                             help="Zero-shot label descriptions: lines "
                                                  "LABEL=description, or a JSON object."),
    device: str | None = typer.Option(None, "--device", help="auto, cpu, cuda (Hugging Face "
                                                             "models; default MYNA_DEVICE)."),
    precision: str | None = typer.Option(None, "--precision",
                                         help="auto (fp16 on GPU, bf16 on CPUs with native "
                                              "bf16), fp32, bf16, fp16 (MYNA_PRECISION)."),
    batch_size: int | None = typer.Option(None, "--batch-size", min=1),
) -> None:
    """Run a task: the answer as JSON, or --out a file with the input's columns and the
    task's."""
    from myna.models import load
    from myna.tasks import Predictor, get_task

    task = get_task(task_name)
    given = _params(params, labels, descriptions)
    task.check_params({k: v for k, v in given.items()})  # a bad value stops before loading
    if out is not None and file is None:
        raise InputError("--out needs --file")
    loaded = load(model) if model else load(None, kind=task.model_kinds[0])
    if (device or precision) and hasattr(loaded, "to_device"):
        loaded.to_device(device, precision)
    predictor = Predictor(loaded, batch_size=batch_size)
    name = predictor.check_task(task.name)
    if file is None:
        item = _one_input(task, text, fields)
        row = predictor.predict([item], name, params=given)[0]
        console.print_json(json.dumps(row, ensure_ascii=False))
        return
    if text is not None or fields:
        raise InputError("give TEXT/--input or --file, not both")
    _predict_file(predictor, task, file, column, input_columns, fmt, encoding, out, given)


def _params(items: list[str], labels: str | None, descriptions: Path | None) -> dict[str, Any]:
    out: dict[str, Any] = dict(key_values(items, "--param"))
    if labels is not None:
        out["labels"] = labels
    if descriptions is not None:
        out["descriptions"] = _read_descriptions(descriptions)
    return out


def _read_descriptions(path: Path) -> list[str]:
    from myna.data.formats import existing_file

    text = existing_file(path).read_text(encoding="utf-8")
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError as err:
            raise InputError(f"not valid JSON: {err}", where=str(path)) from None
        return [f"{k}={v}" for k, v in data.items()]
    items = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if "=" not in line:
            raise InputError("expected LABEL=description", where=f"{path}:{n}")
        items.append(line.strip())
    return items


def _one_input(task: Any, text: str | None, fields: list[str]) -> Any:
    if task.takes_text:
        if fields:
            raise InputError(f"task {task.name!r} takes a text, not --input fields")
        if text is None:
            raise InputError("nothing to run: give TEXT or --file")
        return text
    record: dict[str, Any] = key_values(fields, "--input")
    unknown = [k for k in record if k not in task.input.names]
    if unknown:
        raise InputError(f"--input {unknown[0]!r}: not a field of {task.name!r} (its fields: "
                         f"{', '.join(task.input.names)})")
    missing = [n for n in task.input.names if n not in record]
    if text is not None and missing:
        record[missing[-1]] = text
    return record


def _predict_file(predictor: Any, task: Any, file: Path, column: str, mapping: list[str],
                  fmt: str | None, encoding: str, out: Path | None,
                  params: dict[str, Any]) -> None:
    import pyarrow as pa

    from myna.batch.records import ResultWriter, field_columns, read_records, task_input
    from myna.tasks.schemas import with_error

    fields = field_columns(task, column, list(mapping))
    rows, total, kept = read_records(file, fmt, fields, encoding)
    schema = task.output_schema(predictor.model)
    columns = with_error(schema) if schema is not None else None
    size = CHUNK * 10 if task.shares_inputs(task.check_params(params)) else CHUNK
    started = time.perf_counter()
    done = failed = 0
    with ExitStack() as stack:
        writer = None
        if out is not None:
            clash = [c for c in kept if columns is not None and c in columns.names]
            if clash:
                raise InputError(f"input column(s) {', '.join(map(repr, clash))} would be "
                                 "overwritten by the result; rename them first", where=str(file))
            written = pa.schema([*(pa.field(c, pa.string()) for c in kept),
                                 *(columns if columns is not None else [])])
            writer = stack.enter_context(ResultWriter(out, written))
        progress = stack.enter_context(progress_bar())
        bar = progress.add_task(task.name, total=total, rate="")
        for chunk in _chunks(rows, size):
            inputs = [None if isinstance(row, InputError) else task_input(task, row, fields)
                      for _, row in chunk]
            results = predictor.predict(inputs, task.name, errors="row", params=params)
            for (where, row), res in zip(chunk, results, strict=True):
                if isinstance(row, InputError):
                    res.clear()
                    res["error"] = f"{where}: {row}"
                elif res.get("error"):
                    res["error"] = f"{where}: {res['error']}"
            failed += sum(1 for r in results if r.get("error"))
            done += len(results)
            if writer is not None:
                writer.write([{**({c: _text(row.get(c)) for c in kept}
                                  if isinstance(row, dict) else {}), **res}
                              for (_, row), res in zip(chunk, results, strict=True)])
            else:
                for res in results:
                    console.print(json.dumps(res, ensure_ascii=False), soft_wrap=True)
            rate = done / max(time.perf_counter() - started, 1e-9)
            progress.update(bar, completed=done, rate=f"{rate:.0f}/s")
    elapsed = time.perf_counter() - started
    err_console.print(f"{task.name}: {done} input(s) in {elapsed:.1f}s "
                      f"({done / max(elapsed, 1e-9):.0f}/s), {failed} failed"
                      + (f" → {out}" if out else ""))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _chunks(rows: Any, size: int) -> Any:
    chunk = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
