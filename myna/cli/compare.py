"""`myna compare BASE CUSTOM DATA`: the book's custom-vs-original comparison."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from myna.core.console import console, err_console, markup


def _f(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def compare_command(
    base: str = typer.Argument(..., help="Base model: a name, directory or models:/… URI."),
    custom: str = typer.Argument(..., help="Custom model: a name, directory or models:/… URI."),
    data: Path = typer.Argument(..., help="Labelled data both are scored on."),
    text_column: str = typer.Option("text", "--text-column", "-c"),
    label_column: str | None = typer.Option(None, "--label-column", "-l"),
    fmt: str | None = typer.Option(None, "--format"),
    sample: int = typer.Option(10, help="How many disagreements to show."),
    html: Path | None = typer.Option(None, "--html", help="displaCy page of disagreements."),
    json_out: Path | None = typer.Option(None, "--json"),
    label_map: str | None = typer.Option(
        None, "--label-map", help="Rename the model's entity labels before scoring: "
                                  "ontonotes-conll, or FROM=TO,... (FROM= drops a label)."),
) -> None:
    """Score two models side by side; show per-label deltas and where they disagree."""
    from myna.evaluate.compare import compare, write_disagreements
    from myna.evaluate.labelmap import parse_label_map

    result = compare(base, custom, data, text_column=text_column, label_column=label_column,
                     fmt=fmt, sample=sample, label_map=parse_label_map(label_map))
    table = Table(title=f"{base} vs {custom} · {result.base.examples} examples",
                  title_justify="left")
    for col in ("label", "support", "base F1", "custom F1", "Δ"):
        table.add_column(col, justify="left" if col == "label" else "right")
    for r in result.rows:
        delta = "" if r["delta"] is None else f"{r['delta']:+.3f}"
        table.add_row(r["label"], str(r["support"]), _f(r["base_f"]), _f(r["custom_f"]), delta)
    console.print(table)
    if result.shared:
        b, c = result.shared_macro("base"), result.shared_macro("custom")
        console.print(f"macro F1 on the {len(result.shared)} shared label(s): "
                      f"base {b:.3f} · custom {c:.3f} · Δ {c - b:+.3f}")
    console.print(f"{len(result.disagreements)} sampled disagreement(s):")
    for d in result.disagreements:
        console.print(markup("[dim]-[/] {}\n   base: {}\n   custom: {}", d["text"][:120],
                             d["base"], d["custom"]))
    if html is not None and write_disagreements(result, html):
        err_console.print(f"wrote {html}")
    if json_out is not None:
        json_out.write_text(json.dumps({"rows": result.rows, "shared": result.shared,
                                        "disagreements": result.disagreements}, indent=2))
