"""`myna models export REF --format onnx [--quantize int8|fp16] [--eval FILE] -o DIR`."""

from __future__ import annotations

from pathlib import Path

import typer

from myna.core.console import console, err_console
from myna.core.errors import InputError


def export_command(
    ref: str = typer.Argument(..., help="A model reference: a folder, models:/NAME/VERSION, "
                                        "models:/NAME@ALIAS."),
    output: Path = typer.Option(..., "--output", "-o", help="The exported pipeline's folder."),
    fmt: str = typer.Option("onnx", "--format", help="onnx (the only format so far)."),
    quantize: str | None = typer.Option(None, "--quantize", help="int8 or fp16: kept only "
                                        "when faster and within 1 point (accuracy, or entity F1)."),
    eval_file: Path | None = typer.Option(None, "--eval", help="Labelled texts to compare "
                                          "quality and speed on (else built-in probes)."),
    label_column: str | None = typer.Option(None, "--label-column", "-l"),
    text_column: str = typer.Option("text", "--text-column", "-c"),
    force: bool = typer.Option(False, "--force", help="Keep the quantised model even if it "
                                                     "is slower or worse."),
) -> None:
    """Export a fine-tuned transformer text classifier to ONNX, check it against PyTorch
    (max abs difference of the probabilities), and compare speed and quality."""
    from rich.table import Table

    from myna.export.run import export_model

    if fmt != "onnx":
        raise InputError(f"only onnx is supported (got {fmt!r})", where="--format")
    with console.status("exporting") as status:
        report = export_model(ref, output, quantize, eval_file, text_column, label_column,
                              force, on_step=lambda msg: status.update(msg))
    table = Table(title=f"{ref} → {output}")
    for column in ("model", "max |Δp| vs PyTorch", "texts/s", "speed", report.metric, "MB"):
        table.add_column(column, justify="left" if column == "model" else "right")

    def score(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}"

    table.add_row(f"PyTorch ({report.pytorch_precision})", "0",
                  f"{report.pytorch_texts_per_second:,.0f}", "1.00×",
                  score(report.pytorch_score), "")
    for v in report.variants:
        table.add_row(f"ONNX {v.name}" + (" (kept)" if v.name == report.kept else ""),
                      f"{v.max_abs_diff:.2e}", f"{v.texts_per_second:,.0f}",
                      f"{v.texts_per_second / report.pytorch_texts_per_second:.2f}×",
                      score(v.score), f"{v.size_mb:.1f}")
    console.print(table)
    err_console.print(f"kept ONNX {report.kept}: {report.why} · {report.probe_texts:,} texts "
                      f"· report in {output / 'export.json'}", highlight=False)
