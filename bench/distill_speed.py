"""Distillation's speed-up, teacher and students timed in the same run: each model's own
`nlp.pipe` over AG News dev.csv's 3,800 texts, in turns, median of several rounds; with each
model's accuracy on the same texts.

    .venv/bin/python bench/distill_speed.py TEACHER STUDENT [STUDENT …] [--rounds 3]
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from pathlib import Path

from common import OUT, machine, median, today, write_section
from train_textcat import write_dev


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("teacher")
    ap.add_argument("students", nargs="+")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    os.environ.setdefault("MYNA_HOME", str(OUT / "myna-home"))
    import spacy

    with open(write_dev(), newline="", encoding="utf-8") as f:
        rows = [(row["text"], row["label"]) for row in csv.DictReader(f)]
    texts = [text for text, _ in rows]
    paths = [args.teacher, *args.students]
    models = {path: spacy.load(path) for path in paths}
    accuracy = {}
    for path, nlp in models.items():
        docs = list(nlp.pipe(texts, batch_size=256))
        accuracy[path] = sum(max(d.cats, key=d.cats.get) == gold
                             for d, (_, gold) in zip(docs, rows, strict=True)) / len(rows)
    timings: dict[str, list[float]] = {path: [] for path in paths}
    for _ in range(args.rounds):
        for path, nlp in models.items():
            t0 = time.perf_counter()
            for _ in nlp.pipe(texts, batch_size=256):
                pass
            timings[path].append(len(texts) / (time.perf_counter() - t0))
    teacher_speed = median(timings[args.teacher])
    lines = []
    for path in paths:
        speed = median(timings[path])
        role = "teacher" if path == args.teacher else "student"
        gap = 100 * (accuracy[path] - accuracy[args.teacher])
        lines.append(f"| {role} `{Path(path).parent.name}` | {100 * accuracy[path]:.1f} | "
                     f"{gap:+.1f} | {speed:,.0f} | {speed / teacher_speed:.1f}× |")
    shown = " ".join(os.path.relpath(p) for p in paths)
    body = f"""### AG News distillation: teacher and students timed together

Command: `.venv/bin/python bench/distill_speed.py {shown} --rounds {args.rounds}`
Date: {today()} · Machine: {machine()} · texts/s: median of {args.rounds} rounds of each
model's `nlp.pipe` over dev.csv's {len(texts):,} texts (batch 256), models in turns

| model | accuracy | vs teacher | texts/s | × teacher |
|---|---:|---:|---:|---:|
""" + "\n".join(lines) + "\n"
    write_section("ag-distill-speed", body)
    print(body)


if __name__ == "__main__":
    main()
