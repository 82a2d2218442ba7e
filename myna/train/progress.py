"""Training with a Rich progress bar and a table of dev scores: what `myna train` and
`myna demo` show while a model trains."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from myna.core.console import console, err_console, markup, progress_bar
from myna.train.runner import TrainResult, TrainSpec, train


def train_with_progress(spec: TrainSpec) -> TrainResult:
    with progress_bar() as progress:
        task = progress.add_task(f"train {spec.task}", total=spec.epochs, rate="")

        def on_eval(entry: dict[str, Any]) -> None:
            if entry.get("phase") == "teacher":  # distillation: the teacher labels texts
                progress.update(task, rate=f"teacher labelled {entry['done']:,} of "
                                           f"{entry['total']:,} texts")
                return
            loss = sum(entry["losses"].values())
            progress.update(task, completed=entry["epoch"] or 0,
                            rate=f"step {entry['step']} · loss {loss:.2f} · "
                                 f"dev {entry['score'] or 0:.3f}")

        result = train(spec, on_eval)
        progress.update(task, completed=spec.epochs)
    print_report(result)
    return result


def print_report(result: TrainResult) -> None:
    scores = result.scores
    table = Table(title="Dev scores (model-best)", title_justify="left")
    for col in ("label", "precision", "recall", "F1"):
        table.add_column(col, justify="left" if col == "label" else "right")
    per_label = scores.get("ents_per_type") or scores.get("cats_f_per_type") or {}
    for label, s in sorted(per_label.items()):
        table.add_row(label, f"{s['p']:.3f}", f"{s['r']:.3f}", f"{s['f']:.3f}")
    if "ents_f" in scores:
        table.add_row(markup("[bold]all (micro)"), f"{scores['ents_p']:.3f}",
                      f"{scores['ents_r']:.3f}", f"{scores['ents_f']:.3f}")
    if "cats_macro_f" in scores:
        table.add_row(markup("[bold]macro F1"), "", "", f"{scores['cats_macro_f']:.3f}")
    console.print(table)
    if result.stopped_early:
        err_console.print(f"stopped early: {result.stopped_early}")
    err_console.print(f"model: {result.model}\nconfig: {result.config}\n"
                      f"MLflow run: {result.run_id}")
