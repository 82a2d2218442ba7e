"""`myna evaluate MODEL DATA`: per-label scores, averages, confusions and a report."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from myna.core.console import console, err_console, markup


def evaluate_command(
    model: str = typer.Argument(..., help="A pipeline directory, installed name, "
                                          "models:/NAME@ALIAS, models:/NAME/3 or runs:/ID/model."),
    data: Path = typer.Argument(..., help="Labelled data (CoNLL, JSONL, Prodigy, CSV, DocBin)."),
    text_column: str = typer.Option("text", "--text-column", "-c"),
    label_column: str | None = typer.Option(None, "--label-column", "-l"),
    fmt: str | None = typer.Option(None, "--format"),
    report_dir: Path | None = typer.Option(None, "--report", help="Write JSON/Markdown/HTML "
                                                                  "and PNG plots here."),
    json_out: Path | None = typer.Option(None, "--json", help="Write the scores as JSON."),
    n_errors: int = typer.Option(10, "--errors", help="Worst errors to show."),
    label_map: str | None = typer.Option(
        None, "--label-map", help="Rename the model's entity labels before scoring: "
                                  "ontonotes-conll, or FROM=TO,... (FROM= drops a label)."),
    repair_escapes: bool = typer.Option(
        False, "--repair-escapes", help="Mend web-scrape escapes in the texts first (`\\` "
                                        "line breaks, ` #39;`, ` quot;`, `&lt;p&gt;`), as "
                                        "`myna train textcat --repair-escapes` did."),
    join_sentences: int = typer.Option(
        1, "--join-sentences", min=0, help="CoNLL: score the file's consecutive sentences N "
                                           "at a time as one text (0: whole -DOCSTART- "
                                           "documents), as `myna train ner --join-sentences` "
                                           "read them."),
) -> None:
    """Evaluate a model on labelled data."""
    from myna.evaluate.labelmap import parse_label_map
    from myna.evaluate.reports import find_history, write_report
    from myna.evaluate.scoring import evaluate

    report = evaluate(model, data, text_column=text_column, label_column=label_column, fmt=fmt,
                      n_errors=n_errors, label_map=parse_label_map(label_map),
                      repair=repair_escapes, join=join_sentences)
    table = Table(title=f"{report.task} · {report.examples} examples", title_justify="left")
    for col in ("label", "precision", "recall", "F1", "support"):
        table.add_column(col, justify="left" if col == "label" else "right")
    for label, s in report.per_label.items():
        table.add_row(label, f"{s['p']:.3f}", f"{s['r']:.3f}", f"{s['f']:.3f}", str(s["support"]))
    for name, avg in (("micro avg", report.micro), ("macro avg", report.macro)):
        table.add_row(markup("[bold]{}", name), f"{avg['p']:.3f}", f"{avg['r']:.3f}",
                      f"{avg['f']:.3f}", "")
    console.print(table)
    if report.accuracy is not None:
        console.print(f"accuracy {report.accuracy:.4f}")
    if report.seqeval_f1 is not None:
        console.print(f"seqeval entity F1 {report.seqeval_f1:.4f} (spaCy {report.micro['f']:.4f})")
        if abs(report.seqeval_f1 - report.micro["f"]) > 1e-6:
            err_console.print(markup("[bold red]spaCy's scorer and seqeval disagree on this "
                                     "data[/]"))
            raise typer.Exit(2)
    if report.unknown_labels:
        err_console.print(markup("[yellow]note:[/] the model does not know the label(s) {}",
                                 ", ".join(report.unknown_labels)))
    for e in report.errors:
        console.print(markup("[dim]error:[/] {}", json.dumps(e, ensure_ascii=False)[:200]))
    if json_out is not None:
        json_out.write_text(json.dumps(report.to_dict(), indent=2))
    if report_dir is not None:
        for path in write_report(report, report_dir, find_history(model)):
            err_console.print(f"wrote {path}")
