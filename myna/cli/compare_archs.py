"""`myna compare-archs`: several text-classifier architectures, same data, seed and settings,
one report."""

from __future__ import annotations

from pathlib import Path

import typer

from myna.core.console import console, err_console
from myna.core.errors import InputError

CONTROL = "ulmfit-random:"  # an --archs entry: ULMFiT's classifier, random weights
TRANSFORMER_WITH = "transformer-scratch:"  # an --archs entry: with another attention


def _base_and_attention(arch: str) -> tuple[str, str]:
    """``transformer-scratch:adaptive-span`` → (``transformer-scratch``, ``adaptive-span``)."""
    from myna.nn.names import ATTENTION

    if not arch.startswith(TRANSFORMER_WITH):
        return arch, "full"
    attention = arch[len(TRANSFORMER_WITH):]
    if attention not in ATTENTION:
        raise InputError(f"{arch}: the attention must be one of {', '.join(ATTENTION)}",
                         where="--archs")
    return TRANSFORMER_WITH[:-1], attention


def compare_archs_command(
    data: Path = typer.Argument(..., help="Labelled training data (CSV, JSONL, …)."),
    score_file: Path = typer.Option(..., "--eval", help="Labelled data to score the final "
                                                        "models on (never used to choose)."),
    archs: str = typer.Option("rnn,birnn,lstm,gru,transformer-scratch", "--archs",
                              help="Comma list of --base values (blank, transformer, "
                                   "ulmfit:LM, … too); transformer-scratch:ATTENTION for "
                                   "an attention variant (adaptive-span, persistent-memory, "
                                   "product-key)."),
    output: Path = typer.Option(..., "--output", "-o", help="A folder for every run's models."),
    report: Path | None = typer.Option(None, "--report", help="Default: OUTPUT/report."),
    label_column: str | None = typer.Option(None, "--label-column", "-l"),
    text_column: str = typer.Option("text", "--text-column", "-c"),
    epochs: int = typer.Option(10, "--epochs", min=1),
    seed: int = typer.Option(0, "--seed"),
    max_minutes: float | None = typer.Option(None, "--max-minutes", help="Per architecture."),
    batch_size: int | None = typer.Option(None, "--batch-size"),
    hidden: int | None = typer.Option(None, "--hidden"),
    layers: int | None = typer.Option(None, "--layers"),
    vectors: str | None = typer.Option(None, "--vectors", help="For the from-scratch bases "
                                       "(not ulmfit:LM; name ulmfit-random:LM for ULMFiT "
                                       "without pretraining)."),
    dev_fraction: float = typer.Option(0.1, "--dev-fraction", help="Share of DATA used to pick "
                                                                   "each model's best epoch."),
) -> None:
    """Train each architecture and compare accuracy, macro-F1, size, speed and dev curves."""
    from dataclasses import replace

    from rich.markdown import Markdown

    from myna.train.compare_archs import compare_archs, log_comparison, markdown, write_report
    from myna.train.scratch_textcat import RANDOM, ULMFIT, is_scratch_base
    from myna.train.spec import TrainSpec

    chosen = [a.strip() for a in archs.split(",") if a.strip()]
    if len(chosen) < 1 or len(set(chosen)) != len(chosen):
        raise InputError("give one or more different architectures", where="--archs")
    spec = TrainSpec(task="textcat", source=data, output=output, label_column=label_column,
                     text_column=text_column, epochs=epochs, seed=seed,
                     max_minutes=max_minutes, batch_size=batch_size, hidden=hidden,
                     layers=layers, dev_fraction=dev_fraction)

    def done(row) -> None:
        err_console.print(f"{row.arch}: accuracy {100 * row.accuracy:.1f}, macro-F1 "
                          f"{100 * row.macro_f1:.1f}, {row.seconds_per_epoch:.1f} s/epoch",
                          highlight=False)

    runs = []
    for arch in chosen:
        base, attention = _base_and_attention(arch)
        arch_vectors = (vectors if is_scratch_base(base) and not base.startswith(ULMFIT)
                        else None)
        if arch.startswith(CONTROL):  # ULMFiT's classifier without language-model pretraining
            base, arch_vectors = ULMFIT + arch[len(CONTROL):], RANDOM
        folder = output / arch.replace(":", "_").replace("/", "_")
        runs.append((arch, replace(spec, base=base, vectors=arch_vectors, output=folder,
                                   attention=attention)))
    results = compare_archs(runs, score_file, done)
    written = write_report(results, data.name, score_file.name, report or output / "report")
    run_id = log_comparison(results, written)
    console.print(Markdown(markdown(results, data.name, score_file.name)))
    err_console.print(f"report → {written[1].parent} · MLflow run {run_id}", highlight=False)
