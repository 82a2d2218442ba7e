"""Does a user's corpus-trained word vectors help a small-data classifier? AG News with 800
labels (200 per class), the blank spaCy pipeline without and with `--vectors`, paired over
--seeds (each seed draws its own 800 labels and initialises both models), scored on
`ag_news/dev.csv`; medians and the per-seed deltas.

    .venv/bin/myna vectors train bench/out/corpus_all.txt --algo word2vec-skipgram \\
        --dim 300 --window 10 --epochs 15 --min-count 3 -o bench/out/vec_sg300w10_all
    .venv/bin/python bench/vectors_textcat.py --vectors bench/out/vec_sg300w10_all

(`bench/out/corpus_all.txt` is written by `bench/text_corpus.py`, which this script runs.)
Early stopping and model-best use a stratified 10% of the 800 training labels, never dev.csv.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from common import OUT, machine, today, write_section
from text_corpus import write_corpus
from train_textcat import write_dev, write_subset


def run(train_path: str, dev_path: str, seed: int, vectors: str | None, epochs: int,
        ) -> tuple[float, float, float]:
    from myna.evaluate.scoring import evaluate
    from myna.train.runner import TrainSpec, train

    tag = "vectors" if vectors else "bow"
    t0 = time.perf_counter()
    result = train(TrainSpec(task="textcat", source=train_path,
                             output=OUT / f"vt_{tag}_{seed}", base="blank",
                             label_column="label", epochs=epochs, seed=seed,
                             dev_fraction=0.1, vectors=vectors))
    minutes = (time.perf_counter() - t0) / 60
    report = evaluate(str(result.model), dev_path, label_column="label")
    return 100 * report.macro["f"], 100 * report.accuracy, minutes


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vectors", required=True)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=20)
    args = ap.parse_args()
    os.environ.setdefault("MYNA_HOME", str(OUT / "myna-home"))
    write_corpus()
    dev_path = write_dev()
    rows, deltas, results = [], [], {"bow": [], "vectors": []}
    for seed in range(args.seeds):
        train_path, _ = write_subset(200, seed)
        bow = run(train_path, dev_path, seed, None, args.epochs)
        vec = run(train_path, dev_path, seed, args.vectors, args.epochs)
        results["bow"].append(bow)
        results["vectors"].append(vec)
        deltas.append(vec[0] - bow[0])
        rows.append(f"| {seed} | {bow[0]:.1f} | {vec[0]:.1f} | {vec[0] - bow[0]:+.1f} | "
                    f"{bow[2]:.1f} min | {vec[2]:.1f} min |")
        print(rows[-1], flush=True)

    def med(kind: str, i: int) -> float:
        return statistics.median(r[i] for r in results[kind])

    name = os.path.basename(args.vectors.rstrip("/"))
    body = f"""### Word vectors in training: AG News, 800 labels, `--vectors {name}`

Command: `.venv/bin/python bench/vectors_textcat.py --vectors {args.vectors} --seeds {args.seeds} --epochs {args.epochs}`
Date: {today()} · Machine: {machine()} · {args.seeds} seeds, each one run of each model on the same 800 labels

| seed | blank (bag of words) macro-F1 | blank + `--vectors` macro-F1 | delta | wall, blank | wall, + vectors |
|---:|---:|---:|---:|---:|---:|
{chr(10).join(rows)}
| **median** | **{med('bow', 0):.1f}** | **{med('vectors', 0):.1f}** | **{statistics.median(deltas):+.1f}** | {med('bow', 2):.1f} min | {med('vectors', 2):.1f} min |

Accuracy, medians: {med('bow', 1):.1f} blank, {med('vectors', 1):.1f} with vectors. Scored on all
3,800 rows of `ag_news/dev.csv`; model-best is chosen on 80 of the 800 training labels.
"""
    write_section(f"vectors-textcat-{name}", body)
    print(body)


if __name__ == "__main__":
    main()
