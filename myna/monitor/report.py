"""A drift report on disk: report.json, report.md and report.html with PNG plots (reference
against current: predicted labels, confidences, lengths, and the embeddings' first two
principal components)."""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np

from myna.core.atomic import atomic_path
from myna.monitor.check import DriftReport

REFERENCE, CURRENT = "#4c78a8", "#f58518"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> None:
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=100, format="png")
    _pyplot().close(fig)


def plot_labels(report: DriftReport, path: Path) -> None:
    plt = _pyplot()
    labels = sorted(set(report.reference.label_shares) | set(report.label_shares))
    x = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(max(4.0, 0.9 * len(labels) + 2), 3.2))
    ax.bar(x - 0.2, [report.reference.label_shares.get(k, 0) for k in labels], 0.4,
           label="reference", color=REFERENCE)
    ax.bar(x + 0.2, [report.label_shares.get(k, 0) for k in labels], 0.4, label="current",
           color=CURRENT)
    ax.set_xticks(x, labels, rotation=30, ha="right")
    ax.set_ylabel("share of texts")
    ax.set_title("Predicted labels")
    ax.legend()
    _save(fig, path)


def plot_distributions(reference: list, current: list, title: str, path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.2))
    bins = np.histogram_bin_edges(np.r_[reference, current], bins=30)
    ax.hist(reference, bins=bins, density=True, alpha=0.6, label="reference", color=REFERENCE)
    ax.hist(current, bins=bins, density=True, alpha=0.6, label="current", color=CURRENT)
    ax.set_title(title)
    ax.legend()
    _save(fig, path)


def plot_embeddings(report: DriftReport, path: Path) -> None:
    """Both sets on the reference's first two principal components."""
    plt = _pyplot()
    reference = report.reference.embeddings
    centre = reference.mean(axis=0)
    _, _, axes = np.linalg.svd(reference - centre, full_matrices=False)
    project = axes[:2].T
    fig, ax = plt.subplots(figsize=(5, 4))
    for points, name, colour in ((reference, "reference", REFERENCE),
                                 (report.embeddings, "current", CURRENT)):
        xy = (points - centre) @ project
        ax.scatter(xy[:, 0], xy[:, 1], s=6, alpha=0.5, label=name, color=colour)
    ax.set_title("Sentence embeddings (reference PCA)")
    ax.legend()
    _save(fig, path)


def plots(report: DriftReport, out_dir: Path) -> dict[str, str]:
    images: dict[str, str] = {}
    if report.label_shares and report.reference.label_shares:
        plot_labels(report, out_dir / "labels.png")
        images["Predicted labels"] = "labels.png"
    if report.confidences and report.reference.confidences:
        plot_distributions(report.reference.confidences, report.confidences, "Confidence",
                           out_dir / "confidence.png")
        images["Confidence"] = "confidence.png"
    plot_distributions(report.reference.lengths, report.lengths, "Words per text",
                       out_dir / "lengths.png")
    images["Text length"] = "lengths.png"
    if report.embeddings.size and report.reference.embeddings.size:
        plot_embeddings(report, out_dir / "embeddings.png")
        images["Embeddings"] = "embeddings.png"
    return images


def _p(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}"


def markdown(report: DriftReport, images: dict[str, str]) -> str:
    ref = report.reference
    verdict = "**DRIFT**" if report.drifted else "no drift"
    lines = [f"# Drift check of `{ref.model}` ({ref.task})", "",
             f"{report.texts:,} current texts against the reference profile of {ref.texts:,} "
             f"({ref.source}, {ref.created}). Verdict: {verdict} (family-wise α = "
             f"{report.alpha}).", "",
             "| check | statistic | p-value | drift when | drift |", "|---|---:|---:|---|---|"]
    for f in report.findings:
        lines.append(f"| {f.name} | {f.statistic:.4g} | {_p(f.p_value)} | {f.rule} | "
                     f"{'yes' if f.drifted else 'no'} |")
    lines += ["", f"Unknown-word rate: {report.unknown_rate:.2%} (expected of text like the "
                  f"reference: {ref.unknown_rate:.2%})", ""]
    if report.words:
        lines += ["## Words that most distinguish the current texts", "",
                  "| word | z | per 1,000 words now | in the reference |", "|---|---:|---:|---:|"]
        lines += [f"| {w['word']} | {w['z']:.1f} | {w['current_per_1k']:.2f} | "
                  f"{w['reference_per_1k']:.2f} |" for w in report.words]
        lines.append("")
    for title, file in images.items():
        lines += [f"## {title}", "", f"![{title}]({file})", ""]
    return "\n".join(lines) + "\n"


def _html(report: DriftReport, images: dict[str, str]) -> str:
    ref = report.reference
    esc = html.escape
    rows = "".join(f"<tr><td>{esc(f.name)}</td><td>{f.statistic:.4g}</td><td>{_p(f.p_value)}"
                   f"</td><td>{esc(f.rule)}</td><td>{'yes' if f.drifted else 'no'}</td></tr>"
                   for f in report.findings)
    words = "".join(f"<tr><td>{esc(str(w['word']))}</td><td>{w['z']:.1f}</td>"
                    f"<td>{w['current_per_1k']:.2f}</td><td>{w['reference_per_1k']:.2f}</td>"
                    "</tr>" for w in report.words)
    imgs = "".join(f"<h2>{esc(t)}</h2><img src='{f}' alt='{esc(t)}'>"
                   for t, f in images.items())
    verdict = "DRIFT" if report.drifted else "no drift"
    return (f"<!doctype html><meta charset='utf-8'><title>Drift check</title>"
            f"<h1>Drift check of {esc(ref.model)} ({esc(ref.task)}): {verdict}</h1>"
            f"<p>{report.texts:,} current texts against the reference profile of "
            f"{ref.texts:,} ({esc(ref.source)}, {esc(ref.created)}); family-wise α "
            f"{report.alpha}.</p><table border=1><tr><th>check</th><th>statistic</th>"
            f"<th>p-value</th><th>drift when</th><th>drift</th></tr>{rows}</table>"
            f"<p>Unknown-word rate {report.unknown_rate:.2%} (reference {ref.unknown_rate:.2%})"
            f"</p><h2>Words that most distinguish the current texts</h2><table border=1><tr>"
            f"<th>word</th><th>z</th><th>per 1,000 now</th><th>in the reference</th></tr>"
            f"{words}</table>{imgs}")


def write_report(report: DriftReport, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    images = plots(report, out_dir)
    written = [out_dir / "report.json", out_dir / "report.md", out_dir / "report.html"]
    for path, text in zip(written, (json.dumps(report.summary(), indent=2),
                                    markdown(report, images), _html(report, images)),
                          strict=True):
        with atomic_path(path) as tmp:
            tmp.write_text(text)
    return written + [out_dir / f for f in images.values()]
