"""`myna monitor profile|check`: a model's reference profile, and drift checks against it.
`check` exits with 3 when it finds drift, so a scheduled job can act on it."""

from __future__ import annotations

import json
import random
from pathlib import Path

import typer

from myna.core.console import console, err_console, markup

app = typer.Typer(help="Watch a model's inputs and answers drift from its reference profile.",
                  no_args_is_help=True)

DRIFT_EXIT = 3
TEXT_COLUMN = typer.Option("text", "--text-column", "-c", help="Column or field of the texts.")
MAX_TEXTS = typer.Option(20_000, "--max-texts",
                         help="Read at most this many texts (a uniform sample of the file).")


def read_texts(path: Path, text_column: str, limit: int) -> list[str]:
    """The texts of any file Myna reads, a reservoir sample of ``limit`` when longer."""
    from myna.core.errors import InputError
    from myna.data.formats import read_examples

    if limit < 1:
        raise InputError("must be at least 1", where="--max-texts")
    rng = random.Random(0)
    kept: list[str] = []
    for seen, example in enumerate(read_examples(path, text_column=text_column)):
        if len(kept) < limit:
            kept.append(example.text)
        else:
            slot = rng.randrange(seen + 1)
            if slot < limit:
                kept[slot] = example.text
    return kept


@app.command("profile")
def profile_command(
    model: str = typer.Argument(..., help="Any model reference (directory, models:/NAME@ALIAS…)."),
    data: Path = typer.Argument(..., help="Texts the model is right for (CSV/TSV/JSONL/"
                                          "Parquet): typically its held-out data."),
    output: Path | None = typer.Option(None, "--output", "-o",
                                       help="Profile folder (default: inside the model's "
                                            "directory, which must be a local folder)."),
    task: str | None = typer.Option(None, "--task", help="Task to watch (default: the "
                                                         "model's first with a label)."),
    text_column: str = TEXT_COLUMN,
    max_texts: int = MAX_TEXTS,
    encoder: str | None = typer.Option(None, "--encoder",
                                       help="Sentence encoder for the embeddings "
                                            "(default: the bundled MiniLM)."),
) -> None:
    """Write a reference profile: predicted labels, confidences, lengths, vocabulary and a
    sample of sentence embeddings (training writes one for every model it trains)."""
    from myna.core.errors import InputError
    from myna.models import load
    from myna.models.base import PROFILE_DIR
    from myna.monitor.profile import build_profile

    texts = read_texts(data, text_column, max_texts)
    if output is None:
        if not Path(model).is_dir():
            raise InputError("give --output for a model that is not a local folder",
                             where=model)
        output = Path(model) / PROFILE_DIR
    with err_console.status(f"profiling {model} on {len(texts):,} texts …"):
        profile = build_profile(load(model), texts, f"{data} ({len(texts):,} texts)", task,
                                encoder)
        profile.save(output)
    err_console.print(markup("reference profile of {} ({}) written to {}", model, profile.task,
                             output), highlight=False)


@app.command("check")
def check_command(
    reference: str = typer.Argument(..., help="A reference profile folder, or a model whose "
                                              "folder holds one (any model reference)."),
    data: Path = typer.Argument(..., help="Current texts (CSV/TSV/JSONL/Parquet)."),
    model: str | None = typer.Option(None, "--model", "-m",
                                     help="Model that answers the current texts (default: "
                                          "REFERENCE when it is a model, else the model the "
                                          "profile was made with)."),
    report: Path | None = typer.Option(None, "--report", help="Write report.html, report.md, "
                                                              "report.json and plots here."),
    text_column: str = TEXT_COLUMN,
    max_texts: int = MAX_TEXTS,
    alpha: float = typer.Option(0.05, "--alpha", help="False-alarm rate of one check (shared "
                                                      "by its tests)."),
    psi_limit: float = typer.Option(0.2, "--psi-limit",
                                    help="Predicted-label PSI counted as drift."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Compare current texts with the reference profile: PSI of predicted labels, KS of
    lengths and confidences, embedding MMD and a domain classifier, distinguishing words.
    Exit code 3 on drift, 0 without."""
    from myna.models import load
    from myna.monitor.check import check_drift
    from myna.monitor.profile import load_profile, profile_dir

    directory = profile_dir(reference)  # a registered model is fetched once, here
    profile = load_profile(directory)
    texts = read_texts(data, text_column, max_texts)
    is_model = directory != Path(reference).expanduser()
    answering = model or (reference if is_model else profile.model)
    with err_console.status(f"checking {len(texts):,} texts against the profile …"):
        result = check_drift(profile, texts, load(answering), alpha, psi_limit)
        written = _write(result, report) if report else []
    if as_json:
        console.print_json(json.dumps(result.summary()))
    else:
        _print(result)
    for path in written[:3]:
        err_console.print(markup("wrote {}", path), highlight=False)
    if result.drifted:
        raise typer.Exit(DRIFT_EXIT)


def _write(result, report: Path) -> list[Path]:
    from myna.monitor.report import write_report

    return write_report(result, report)


def _print(result) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"Drift check: {result.texts:,} texts against {result.reference.model}")
    for column in ("check", "statistic", "p-value", "drift when", "drift"):
        table.add_column(column)
    for f in result.findings:
        table.add_row(f.name, f"{f.statistic:.4g}", "" if f.p_value is None else
                      f"{f.p_value:.3g}", f.rule, Text("yes", "bold red") if f.drifted else "no")
    console.print(table)
    console.print(f"unknown-word rate {result.unknown_rate:.2%} (reference "
                  f"{result.reference.unknown_rate:.2%})")
    if result.words:
        console.print("words most over-represented now: " + ", ".join(
            str(w["word"]) for w in result.words[:10]), highlight=False)
    console.print(Text("DRIFT", "bold red") if result.drifted else "no drift")
