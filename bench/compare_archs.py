"""Issue 18's architectures on AG News with all 8,000 labels, scored on `ag_news/dev.csv`:
`myna compare-archs` over the from-scratch bases (same settings, one seed per call), with the
spaCy CNN and fine-tuned MiniLM figures already in BENCHMARKS.md beside them.

    .venv/bin/python bench/compare_archs.py --archs rnn,birnn,lstm,gru,transformer-scratch \\
        --epochs 10 --max-minutes 15 --seed 0

Early stopping and model-best use a stratified 10% of the training labels, never dev.csv.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from common import BENCHMARKS, OUT, ROOT, machine, today, write_section
from train_textcat import write_dev, write_subset

REFERENCES = {"ag-textcat-blank-all": "spaCy CNN/BOW (`--base blank`)",
              "ag-textcat-transformer-all": "MiniLM fine-tuned (`--base transformer`)"}


def reference_rows() -> str:
    """The spaCy CNN and MiniLM rows measured by `bench/train_textcat.py` on the same data,
    read from their BENCHMARKS.md sections (not re-run here)."""
    text, rows = BENCHMARKS.read_text(), []
    for section, name in REFERENCES.items():
        start = text.find(f"<!-- {section}:begin -->")
        if start < 0:
            continue
        body = text[start:text.find(f"<!-- {section}:end -->", start)]
        cells = [c.strip() for c in body.split("\n| 8,000 |", 1)[1].split("\n")[0].split("|")]
        wall, macro_f1, accuracy = cells[0], cells[3], cells[4]
        rows.append(f"| {name}, section `{section}` | {accuracy} | {macro_f1} | training "
                    f"wall {wall} |")
    if not rows:
        return ""
    return ("Beside them, from their own sections (same train and dev files, one run each):\n\n"
            "| model | accuracy | macro-F1 | |\n|---|---:|---:|---|\n" + "\n".join(rows) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--archs", default="rnn,birnn,lstm,gru,transformer-scratch")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--max-minutes", type=float, default=15)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--extra", default="", help="more options for compare-archs")
    ap.add_argument("--name", default="archs")
    args = ap.parse_args()
    os.environ.setdefault("MYNA_HOME", str(OUT / "myna-home"))
    train_path, n = write_subset(0, 0)  # all 8,000 labels (the same file for every seed)
    dev_path = write_dev()
    out = OUT / f"compare_{args.name}_seed{args.seed}"
    command = [os.path.join(os.path.dirname(sys.executable), "myna"), "compare-archs", train_path, "--eval",
               dev_path, "-l", "label", "--archs", args.archs, "--epochs", str(args.epochs),
               "--max-minutes", str(args.max_minutes), "--seed", str(args.seed), "-o", str(out),
               *args.extra.split()]
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT)
    minutes = (time.perf_counter() - started) / 60
    table = (out / "report" / "report.md").read_text().split("\n", 2)[2].split("\n\n")[0]
    body = f"""### Architectures from scratch · AG News, {n:,} labels · seed {args.seed}

Command: `.venv/bin/python bench/compare_archs.py --archs {args.archs} --epochs {args.epochs} --max-minutes {args.max_minutes} --seed {args.seed}{' --extra "' + args.extra + '"' if args.extra else ''} --name {args.name}`
Date: {today()} · Machine: {machine()} · one run each ({minutes:.0f} min in all) · scored on 3,800 `ag_news/dev.csv` rows

{table}

{reference_rows()}"""
    write_section(f"compare-{args.name}-seed{args.seed}", body)
    print(body)


if __name__ == "__main__":
    main()
