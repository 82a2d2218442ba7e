"""`myna annotate db-in | db-out | stats | list | drop | agreement`: the annotation store's
data commands (registered on the same `annotate` command group as the recipes)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from myna.cli.annotate import (
    DB,
    MODEL,
    SKIP_INVALID,
    TEXT_COL,
    app,
    open_store,
    parse_labels,
    row_total,
)
from myna.core.console import console, err_console, markup, progress_bar
from myna.core.errors import InputError


@app.command("db-in")
def db_in_command(
    dataset: str = typer.Argument(..., help="Dataset to add to (created if needed)."),
    source: Path = typer.Argument(..., help="JSONL, Prodigy JSONL, CSV/TSV with a text "
                                            "column, Parquet, DocBin."),
    kind: str | None = typer.Option(None, "--kind", help="ner or textcat, for a new dataset "
                                    "of plain texts."),
    label: str | None = typer.Option(None, "--label", "-l", help="Allowed labels (added to "
                                     "the dataset's)."),
    exclusive: bool = typer.Option(True, "--exclusive/--multilabel"),
    session: str = typer.Option("db-in", "--session", help="Annotator of imported answers "
                                "without a _session_id."),
    label_column: str | None = typer.Option(None, "--label-column", help="Category column "
                                            "of a table."),
    text_column: str = TEXT_COL, model: str | None = MODEL, skip_invalid: bool = SKIP_INVALID,
    db: str | None = DB,
) -> None:
    """Import texts (to annotate) or annotations (stored as answers); all or nothing."""
    from myna.annotate.imports import import_file
    from myna.annotate.service import check_session

    if kind is not None and kind not in ("ner", "textcat"):
        raise InputError("--kind must be ner or textcat")
    check_session(session)
    store = open_store(db)
    with progress_bar() as progress:
        task = progress.add_task(f"db-in {source.name}", total=row_total(source), rate="")
        summary = import_file(store, dataset, source, kind=kind, labels=parse_labels(label),
                              exclusive=exclusive, model=model, text_column=text_column,
                              label_column=label_column, session=session,
                              skip_invalid=skip_invalid,
                              on_rows=lambda n: progress.update(task, completed=n))
    err_console.print(f"{dataset!r}: {summary.added} new text(s), {summary.duplicates} already "
                      f"there, {summary.answers} answer(s) stored")
    if summary.new_labels:
        err_console.print(f"labels added: {', '.join(summary.new_labels)}")
    if summary.skipped:
        err_console.print(markup("[yellow]{} invalid row(s) skipped[/]; first:",
                                 len(summary.skipped)), highlight=False)
        for problem in summary.skipped[:5]:
            err_console.print(f"  {problem}", highlight=False)


@app.command("db-out")
def db_out_command(
    dataset: str = typer.Argument(...),
    output: Path = typer.Argument(..., help="File (jsonl, prodigy, conll) or folder (spacy)."),
    fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl | prodigy (every answer), "
                            "spacy (train/dev DocBin) | conll (accepted, one per text)."),
    session: str | None = typer.Option(None, "--session", help="Only these annotators "
                                       "(comma-separated)."),
    dev: float = typer.Option(0.2, "--dev", help="Share for dev.spacy (spacy format)."),
    seed: int = typer.Option(0, "--seed"),
    db: str | None = DB,
) -> None:
    """Export a dataset for `myna train` / `python -m spacy train` or other tools."""
    from myna.annotate.export import export_dataset

    written = export_dataset(open_store(db), dataset, output, fmt, parse_labels(session) or None,
                             dev, seed)
    for path, n in written.items():
        err_console.print(f"wrote {n} example(s) to {path}")


@app.command("stats")
def stats_command(dataset: str = typer.Argument(...), db: str | None = DB) -> None:
    """Texts, answers, and answers per annotator and per label."""
    store = open_store(db)
    ds = store.dataset(dataset)
    counts = store.counts(ds)
    per_label = store.label_counts(ds)
    shape = ds.kind + (", exclusive" if ds.kind == "textcat" and ds.exclusive else "")
    console.print(markup("[bold]{}[/] ({}) · labels: {}", ds.name, shape,
                         ", ".join(ds.labels) or "-"))
    console.print(f"{counts['answered']} of {counts['examples']} text(s) answered")
    table = Table("session", "accept", "reject", "ignore", title="Answers", title_justify="left")
    for session, c in sorted(counts["sessions"].items()):
        table.add_row(session, *(str(c.get(k, 0)) for k in ("accept", "reject", "ignore")))
    console.print(table)
    if per_label:
        labels = Table("label", "accepted", title="Per label", title_justify="left")
        for lab, n in sorted(per_label.items(), key=lambda kv: -kv[1]):
            labels.add_row(lab, str(n))
        console.print(labels)


@app.command("list")
def list_command(db: str | None = DB) -> None:
    """Datasets in the store."""
    store = open_store(db)
    table = Table("dataset", "kind", "labels", "texts", "answered", "answers")
    for ds in store.datasets():
        c = store.counts(ds)
        answers = sum(sum(v.values()) for v in c["sessions"].values())
        table.add_row(ds.name, ds.kind, ", ".join(ds.labels), str(c["examples"]),
                      str(c["answered"]), str(answers))
    console.print(table)


@app.command("drop")
def drop_command(
    dataset: str = typer.Argument(...), db: str | None = DB,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask."),
) -> None:
    """Delete a dataset with its texts and answers."""
    store = open_store(db)
    ds = store.dataset(dataset)
    if not yes and not typer.confirm(f"delete dataset {ds.name!r} and all its answers?"):
        raise typer.Exit(1)
    store.drop(dataset)
    err_console.print(f"dropped {dataset!r}")


@app.command("agreement")
def agreement_command(
    datasets: list[str] = typer.Argument(..., help="One dataset (its sessions are the "
                                                   "annotators) or several."),
    db: str | None = DB,
) -> None:
    """Cohen's kappa (categories) or span-level F1 (entities) per pair of annotators."""
    from myna.annotate.agreement import agreement

    pairs = agreement(open_store(db), datasets)
    measure = "Cohen's kappa" if pairs[0].measure == "kappa" else "span F1"
    table = Table("annotator", "annotator", "shared texts", measure)
    for p in pairs:
        value = "n/a" if p.value is None else f"{p.value:.3f}"
        table.add_row(p.first, p.second, str(p.shared), value)
    console.print(table)
