"""Evaluation reports: JSON, Markdown and HTML with PNG plots (matplotlib, no display)."""

from __future__ import annotations

import html
import json
from pathlib import Path

from myna.core.atomic import atomic_path
from myna.evaluate.evaluator import EvalReport, evaluator_for


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_f1(report: EvalReport, path: Path) -> None:
    plt = pyplot()
    labels = list(report.per_label)
    fig, ax = plt.subplots(figsize=(6, 0.4 * len(labels) + 1.2))
    ax.barh(labels, [report.per_label[lab]["f"] for lab in labels], color="#4c78a8")
    ax.set_xlim(0, 1)
    ax.set_xlabel("F1")
    ax.set_title("F1 per label")
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_confusion(report: EvalReport, path: Path) -> None:
    plt = pyplot()
    n = len(report.labels)
    fig, ax = plt.subplots(figsize=(1.1 * n + 2, 1.1 * n + 1.5))
    ax.imshow(report.confusion, cmap="Blues")
    ax.set_xticks(range(n), report.labels, rotation=45, ha="right")
    ax.set_yticks(range(n), report.labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    top = max((v for row in report.confusion or [] for v in row), default=0)
    for i, row in enumerate(report.confusion or []):
        for j, value in enumerate(row):
            ax.text(j, i, str(value), ha="center", va="center",
                    color="white" if value > top / 2 else "black")
    ax.set_title("Confusion matrix")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_learning_curve(history: list[dict], path: Path) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.5))
    steps = [h["step"] for h in history]
    ax.plot(steps, [h["score"] or 0 for h in history], marker="o", label="dev score")
    ax.set_xlabel("step")
    ax.set_ylabel("dev score")
    ax2 = ax.twinx()
    ax2.plot(steps, [sum(h["losses"].values()) for h in history], color="#e45756",
             label="loss")
    ax2.set_ylabel("training loss")
    ax.set_title("Learning curve")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def find_history(model: str) -> list[dict] | None:
    """A model trained by Myna has the run's history.json beside model-best/model-last."""
    path = Path(model).expanduser().parent / "history.json"
    if path.is_file():
        return json.loads(path.read_text()) or None
    return None


def markdown(report: EvalReport, images: dict[str, str]) -> str:
    lines = [f"# Evaluation of `{report.model}`", "",
             f"Data: `{report.data}` ({report.examples} examples, task {report.task})", "",
             "| label | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    for label, s in report.per_label.items():
        lines.append(f"| {label} | {s['p']:.3f} | {s['r']:.3f} | {s['f']:.3f} | "
                     f"{s['support']} |")
    for name, avg in (("micro", report.micro), ("macro", report.macro)):
        lines.append(f"| **{name} avg** | {avg['p']:.3f} | {avg['r']:.3f} | {avg['f']:.3f} | |")
    lines.append("")
    if report.accuracy is not None:
        lines += [f"Accuracy: **{report.accuracy:.4f}**", ""]
    if report.seqeval_f1 is not None:
        lines += [f"seqeval entity F1 on the same tokens: {report.seqeval_f1:.4f} "
                  f"(spaCy scorer: {report.micro['f']:.4f})", ""]
    if report.unknown_labels:
        lines += [f"Labels in the data the model does not know: "
                  f"{', '.join(report.unknown_labels)}", ""]
    for title, file in images.items():
        lines += [f"## {title}", "", f"![{title}]({file})", ""]
    if report.errors:
        lines += ["## Worst errors", ""]
        evaluator = evaluator_for(report.task)
        for e in report.errors:
            lines.append(f"- {e['text'][:200]!r} — {evaluator.describe_error(e)}")
    return "\n".join(lines) + "\n"


def write_report(report: EvalReport, out_dir: Path, history: list[dict] | None) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    images = {"F1 per label": "f1.png"}
    plot_f1(report, out_dir / "f1.png")
    if report.confusion is not None:
        plot_confusion(report, out_dir / "confusion.png")
        images["Confusion matrix"] = "confusion.png"
    if history:
        plot_learning_curve(history, out_dir / "learning_curve.png")
        images["Learning curve"] = "learning_curve.png"
    md = markdown(report, images)
    written = [out_dir / "report.json", out_dir / "report.md", out_dir / "report.html"]
    with atomic_path(written[0]) as tmp:
        tmp.write_text(json.dumps(report.to_dict(), indent=2))
    with atomic_path(written[1]) as tmp:
        tmp.write_text(md)
    with atomic_path(written[2]) as tmp:
        tmp.write_text(_html(report, md, images))
    return written + [out_dir / f for f in images.values()]


def _html(report: EvalReport, md: str, images: dict[str, str]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(lab)}</td><td>{s['p']:.3f}</td><td>{s['r']:.3f}</td>"
        f"<td>{s['f']:.3f}</td><td>{s['support']}</td></tr>"
        for lab, s in report.per_label.items())
    imgs = "".join(f"<h2>{html.escape(t)}</h2><img src='{f}' alt='{html.escape(t)}'>"
                   for t, f in images.items())
    errors = "".join(f"<li>{html.escape(json.dumps(e))}</li>" for e in report.errors)
    return (f"<!doctype html><meta charset='utf-8'><title>Evaluation</title>"
            f"<h1>Evaluation of {html.escape(report.model)}</h1>"
            f"<p>{report.examples} examples from {html.escape(report.data)}</p>"
            f"<table border=1><tr><th>label</th><th>P</th><th>R</th><th>F1</th>"
            f"<th>support</th></tr>{rows}<tr><td>micro</td><td>{report.micro['p']:.3f}</td>"
            f"<td>{report.micro['r']:.3f}</td><td>{report.micro['f']:.3f}</td><td></td></tr>"
            f"<tr><td>macro</td><td>{report.macro['p']:.3f}</td><td>{report.macro['r']:.3f}"
            f"</td><td>{report.macro['f']:.3f}</td><td></td></tr></table>"
            f"{imgs}<h2>Worst errors</h2><ul>{errors}</ul>")
