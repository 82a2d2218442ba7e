"""`myna batch run`: a model over a whole table, locally or on Spark, into Parquet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from myna.batch.output import Existing
from myna.batch.run import ENGINES, BatchRequest, run_batch
from myna.cli.device_options import (
    DEVICE,
    PRECISION,
    REVIEW_BELOW,
    REVIEW_DATASET,
    REVIEW_DB,
    apply_device,
)
from myna.cli.pairs import key_values
from myna.core.console import err_console, markup, progress_bar
from myna.core.errors import InputError
from myna.tasks.registry import task_names

app = typer.Typer(help="Batch inference over files: local processes or Apache Spark.",
                  no_args_is_help=True)


@app.command("run")
def run_command(
    input: str = typer.Option(..., "--input", "-i",
                              help="CSV, TSV, JSONL or Parquet; with --engine spark any "
                                   "filesystem URI Spark reads (s3a://, hdfs://)."),
    column: str = typer.Option("text", "--column", "-c", help="Column holding the text."),
    task: str = typer.Option("ner", "--task", "-t", help="One of "
                             f"{', '.join(task_names())} (the task registry)."),
    model: str | None = typer.Option(
        None, "--model", "-m", help="models:/NAME@ALIAS, runs:/ID/model, a model directory or an "
                                    "installed pipeline (embed: an encoder directory)."),
    output: str = typer.Option(..., "--output", "-o",
                               help="Parquet output (a folder on Spark); locally, a folder "
                                    "(out/) gets out/<input name>.parquet."),
    engine: str = typer.Option("local", "--engine", "-e", help=f"One of {', '.join(ENGINES)}."),
    master: str | None = typer.Option(
        None, "--master", help="Spark master: local[*], spark://host:port, yarn (default: what "
                               "spark-submit set, else local[*])."),
    partitions: int | None = typer.Option(None, "--partitions", min=1,
                                          help="Spark partitions."),
    fmt: str | None = typer.Option(None, "--format", help="Input format if not by extension."),
    encoding: str = typer.Option("utf-8", "--encoding", help="Encoding of a CSV/JSONL input."),
    kb: Path | None = typer.Option(None, "--kb", help="Knowledge base for --task link."),
    n_process: int = typer.Option(0, "--n-process", "-j", min=0,
                                  help="Local engine worker processes; 0 = one per core."),
    batch_size: int = typer.Option(64, "--batch-size", min=1, help="Texts per model call."),
    max_chars: int | None = typer.Option(None, "--max-chars", min=1,
                                         help="Longest text run; longer rows get an error."),
    skip_existing: bool = typer.Option(False, "--skip-existing",
                                       help="Do nothing when the output already exists."),
    overwrite: bool = typer.Option(False, "--overwrite",
                                   help="Replace an existing output (only once the new one is "
                                        "complete)."),
    ship_model: bool = typer.Option(True, "--ship-model/--no-ship-model",
                                    help="Spark: send the model to executors as an archive, or "
                                         "let them load --model from the registry."),
    report: Path | None = typer.Option(None, "--report", help="Also write the summary as JSON."),
    params: list[str] = typer.Option([], "--param", "-p", metavar="NAME=VALUE",
                                     help="A task parameter (labels=A,B; max_new_tokens=40)."),
    input_columns: list[str] = typer.Option([], "--input-column", metavar="FIELD=COLUMN",
                                            help="Column for a field of a record task's input "
                                                 "(question=q); default: the field's name."),
    device: str | None = DEVICE, precision: str | None = PRECISION,
    review_below: float | None = REVIEW_BELOW, review_dataset: str | None = REVIEW_DATASET,
    review_db: str | None = REVIEW_DB,
) -> None:
    """Run a model over every row; write the input columns, the result and an `error` column."""
    request = batch_request(input=input, output=output, column=column, task=task, model=model,
                            engine=engine, master=master, partitions=partitions, fmt=fmt,
                            encoding=encoding, kb=kb, n_process=n_process,
                            batch_size=batch_size, max_chars=max_chars,
                            skip_existing=skip_existing, overwrite=overwrite,
                            ship_model=ship_model, params=key_values(params, "--param"),
                            input_columns=key_values(input_columns, "--input-column"),
                            device=device, precision=precision, review_below=review_below,
                            review_dataset=review_dataset, review_db=review_db)
    apply_device(device, precision)  # a GPU asked for where there is none stops here
    engine = request.engine
    unit = "rows" if engine == "local" else "Spark tasks"
    with progress_bar() as bar:
        bar_task = bar.add_task(f"{task} ({unit})", total=None, rate="")

        def show(done: int, total: int | None) -> None:
            bar.update(bar_task, completed=done, total=total)

        summary = run_batch(request, show)
    err_console.print(markup("[yellow]{}" if summary.failed else "[green]{}", summary.line()),
                      highlight=False)
    if summary.first_error:
        err_console.print(f"first error: {summary.first_error}", highlight=False)
    if report is not None:
        summary.write(report)


def batch_request(*, input: str, output: str, column: str, task: str, model: str | None,
                  engine: str, master: str | None, partitions: int | None, fmt: str | None,
                  encoding: str, kb: Path | None, n_process: int, batch_size: int,
                  max_chars: int | None, skip_existing: bool, overwrite: bool,
                  ship_model: bool, params: dict[str, Any] | None = None,
                  input_columns: dict[str, str] | None = None, device: str | None = None,
                  precision: str | None = None, review_below: float | None = None,
                  review_dataset: str | None = None, review_db: str | None = None,
                  ) -> BatchRequest:
    """The request that `myna batch run`'s options describe (`myna jobs` stores it)."""
    if skip_existing and overwrite:
        raise InputError("give --skip-existing or --overwrite, not both")
    existing = (Existing.skip if skip_existing else
                Existing.overwrite if overwrite else Existing.error)
    if master and engine == "local":
        engine = "spark"  # a master only means something to Spark
    request = BatchRequest(
        input=input, output=output, column=column, task=task, model=model, engine=engine,
        master=master or ("local[*]" if engine == "spark" and not _under_spark_submit() else None),
        partitions=partitions, fmt=fmt, encoding=encoding, kb=str(kb) if kb else None,
        n_process=n_process, batch_size=batch_size, max_chars=max_chars, existing=existing,
        ship_model=ship_model, params=params or {}, input_columns=input_columns or {},
        device=device, precision=precision, review_below=review_below,
        review_dataset=review_dataset, review_db=review_db)
    return request


def _under_spark_submit() -> bool:
    """spark-submit hands its master to the Python driver (the settings say so)."""
    from myna.core.settings import get_settings

    return get_settings().under_spark_submit
