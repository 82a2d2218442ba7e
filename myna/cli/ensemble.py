"""`myna models ensemble REF REF… -o DIR [--weights W,W…] [--tune FILE] [--decode HOW]`."""

from __future__ import annotations

from pathlib import Path

import typer

from myna.core.console import console, err_console
from myna.core.errors import InputError


def ensemble_command(
    refs: list[str] = typer.Argument(..., help="Two or more text classifiers, or transformer "
                                               "entity recognizers (`--base transformer`), "
                                               "with the same labels (folders, "
                                               "models:/NAME/VERSION, …)."),
    output: Path = typer.Option(..., "--output", "-o", help="The ensemble pipeline's folder."),
    weights: str | None = typer.Option(None, "--weights", help="Comma-separated weights, one "
                                       "per model (default: tuned with --tune, else equal)."),
    tune: Path | None = typer.Option(None, "--tune", help="Labelled texts to tune the weights "
                                     "on (macro-F1 or entity F1): a held-out slice of the "
                                     "training data, such as a training run's "
                                     "corpus/dev.spacy; never the "
                                     "data you will score the ensemble on."),
    text_column: str = typer.Option("text", "--text-column", "-c"),
    label_column: str | None = typer.Option(None, "--label-column", "-l"),
    decode: str | None = typer.Option(None, "--decode", help="Entity recognizers: read the "
                                      "averaged tag scores `greedy` or by `viterbi` (valid "
                                      "BIO sequences); default: as the first member does."),
) -> None:
    """Combine text classifiers or entity recognizers into one pipeline that averages their
    probabilities."""
    from myna.train.ensemble import build_ensemble

    parsed = None
    if weights is not None:
        try:
            parsed = [float(w) for w in weights.split(",")]
        except ValueError:
            raise InputError(f"weights must be numbers: {weights!r}", where="--weights") from None
    with console.status("building the ensemble"):
        report = build_ensemble(refs, output, parsed, tune, text_column, label_column,
                                decode=decode)
    for ref, score in zip(refs, report.member_scores, strict=False):
        console.print(f"{ref}: {report.metric} {score:.4f} on {report.tuned_on}",
                      highlight=False)
    if report.ensemble_score is not None:
        console.print(f"ensemble: {report.metric} {report.ensemble_score:.4f}", highlight=False)
    err_console.print(f"weights {', '.join(f'{w:.2f}' for w in report.weights)} · "
                      f"ensemble in {output}", highlight=False)
