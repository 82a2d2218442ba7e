"""spaCy's `nlp.pipe(n_process=2)` against Myna's worker processes, NER only, same texts.

    .venv/bin/python bench/parallel_compare.py [--rows 12000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import time

from common import machine, median, require_shared, today

import myna
from myna.text.features import parse_features
from myna.text.pipelines import load_pipeline


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=12_000)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with open(require_shared("ag_news", "train.csv"), newline="", encoding="utf-8") as f:
        texts = [r["description"] for r in csv.DictReader(f)]
    texts = list(itertools.islice(itertools.cycle(texts), args.rows))
    nlp = load_pipeline(None, parse_features("ner"))
    runs = {
        "spaCy nlp.pipe, 1 process": lambda: sum(1 for _ in nlp.pipe(texts, batch_size=256)),
        "spaCy nlp.pipe(n_process=2)": lambda: sum(
            1 for _ in nlp.pipe(texts, batch_size=256, n_process=2)),
        "myna.analyze(n_process=2)": lambda: sum(
            1 for _ in myna.analyze(texts, only="ner", n_process=2)),
    }
    print(f"{args.rows} AG News descriptions, NER only · {today()} · {machine()}")
    for name, run in runs.items():
        rates = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            n = run()
            rates.append(n / (time.perf_counter() - t0))
        print(f"| {name} | {median(rates):.0f} docs/s |", flush=True)


if __name__ == "__main__":
    main()
