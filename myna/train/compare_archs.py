"""`myna compare-archs`: train several architectures on the same data with the same seed and
settings, then score each on a held-out file. One row per architecture: dev curve (per-epoch
score on the split of the training data), final accuracy and macro-F1 on the scoring file,
parameters, seconds per epoch, CPU latency per text (one text at a time) and size on disk;
written as JSON, Markdown and HTML with a plot of the curves, and logged to MLflow."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from myna.core.atomic import atomic_path
from myna.train.spec import TrainSpec


@dataclass
class ArchResult:
    arch: str
    accuracy: float
    macro_f1: float
    parameters: int
    seconds_per_epoch: float
    latency_ms: float  # one text at a time, median over the probe texts
    texts_per_second: float  # the whole scoring file through nlp.pipe
    size_mb: float
    curve: list[float] = field(default_factory=list)  # per-epoch score on the split
    run_id: str = ""


def _size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def _parameters(nlp: Any) -> int:
    total = 0
    for _, component in nlp.pipeline:
        model: Any = getattr(component, "model", None)
        if hasattr(model, "parameters") and callable(model.parameters):
            try:
                total += sum(int(p.numel()) for p in model.parameters())
                continue
            except TypeError:
                pass
        if hasattr(model, "walk"):  # a thinc model
            total += sum(int(node.get_param(name).size) for node in model.walk()
                         for name in node.param_names if node.has_param(name))
    return total


def _latency_ms(nlp: Any, texts: list[str]) -> float:
    import statistics

    nlp(texts[0])  # warm up
    times = []
    for text in texts:
        started = time.perf_counter()
        nlp(text)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _throughput(nlp: Any, texts: list[str], passes: int = 3) -> float:
    """Texts a second through ``nlp.pipe``: the median of ``passes`` timed passes after an
    untimed one, so the vocabulary and caches are warm, as in a server or a batch job after
    its first rows (a cold first pass is markedly slower)."""
    import statistics

    for _ in nlp.pipe(texts, batch_size=256):  # warm-up
        pass
    rates = []
    for _ in range(passes):
        started = time.perf_counter()
        for _ in nlp.pipe(texts, batch_size=256):
            pass
        rates.append(len(texts) / max(time.perf_counter() - started, 1e-9))
    return statistics.median(rates)


def compare_archs(runs: list[tuple[str, TrainSpec]], score_file: Path,
                  on_done: Any = None) -> list[ArchResult]:
    """``runs``: each row's name and the settings it trains with (its own ``output``). The
    scoring file is used only after training, never for choosing epochs."""
    import spacy

    from myna.evaluate.scoring import evaluate, load_labelled
    from myna.train.runner import train

    first = runs[0][1]
    examples, _ = load_labelled(score_file, first.text_column, first.label_column, None)
    texts = [ex.text for ex in examples]
    results = []
    for name, spec in runs:
        result = train(spec)
        report = evaluate(str(result.model), score_file, text_column=spec.text_column,
                          label_column=spec.label_column, n_errors=0)
        nlp = spacy.load(result.model)
        epochs = max(1, len({h["epoch"] for h in result.history}))
        seconds = result.history[-1]["seconds"] if result.history else 0.0
        row = ArchResult(name, report.accuracy or 0.0, report.macro["f"], _parameters(nlp),
                         seconds / epochs, _latency_ms(nlp, texts[:100]),
                         _throughput(nlp, texts), _size_mb(result.model),
                         _epoch_curve(result.history), result.run_id)
        results.append(row)
        if on_done is not None:
            on_done(row)
    return results


def _epoch_curve(history: list[dict[str, Any]]) -> list[float]:
    """The last evaluation of each epoch (spaCy evaluates several times an epoch)."""
    by_epoch: dict[int, float] = {}
    for entry in history:
        if entry.get("score") is not None:
            by_epoch[int(entry.get("epoch") or 0)] = float(entry["score"])
    return [by_epoch[e] for e in sorted(by_epoch)]


def markdown(results: list[ArchResult], data: str, score_file: str) -> str:
    lines = [f"# Architectures on {data}, scored on {score_file}", "",
             "| architecture | accuracy | macro-F1 | parameters | s/epoch | CPU ms/text, one "
             "at a time | texts/s, batched (median of 3) | MB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r.arch} | {100 * r.accuracy:.1f} | {100 * r.macro_f1:.1f} | "
                     f"{r.parameters:,} | {r.seconds_per_epoch:.1f} | {r.latency_ms:.2f} | "
                     f"{r.texts_per_second:,.0f} | {r.size_mb:.1f} |")
    return "\n".join(lines) + "\n\n![dev curves](curves.png)\n"


def write_report(results: list[ArchResult], data: str, score_file: str, out: Path,
                 ) -> list[Path]:
    from myna.evaluate.reports import pyplot

    out.mkdir(parents=True, exist_ok=True)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    for r in results:
        ax.plot(range(1, len(r.curve) + 1), r.curve, marker="o", label=r.arch)
    ax.set_xlabel("epoch")
    ax.set_ylabel("score on the training data's split")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "curves.png", dpi=100)
    plt.close(fig)
    md = markdown(results, data, score_file)
    written = {"report.json": json.dumps([asdict(r) for r in results], indent=2),
               "report.md": md,
               "report.html": "<!doctype html><meta charset='utf-8'><title>Architectures"
                              "</title><pre>" + md.replace("<", "&lt;") +
                              "</pre><img src='curves.png' alt='dev curves'>"}
    for name, text in written.items():
        with atomic_path(out / name) as tmp:
            tmp.write_text(text)
    return [out / name for name in written] + [out / "curves.png"]


def log_comparison(results: list[ArchResult], report_files: list[Path]) -> str:
    """One MLflow run holding the table (each architecture's own run is logged by train)."""
    from myna.core.tracking import setup_mlflow

    mlflow = setup_mlflow()
    with mlflow.start_run(run_name="compare-archs") as run:
        mlflow.set_tags({"myna.task": "compare-archs"})
        for r in results:
            key = r.arch.replace(":", "_").replace("/", "_")
            mlflow.log_metrics({f"{key}.accuracy": r.accuracy, f"{key}.macro_f1": r.macro_f1,
                                f"{key}.latency_ms": r.latency_ms})
            mlflow.log_param(f"{key}.run_id", r.run_id)
        for path in report_files:
            mlflow.log_artifact(str(path))
        return str(run.info.run_id)
