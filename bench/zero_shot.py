"""Zero-shot AG News with the bundled MiniLM and only the four label names: macro-F1 of each
prompt variant, with and without self-training on the unlabelled texts being classified.

    .venv/bin/python bench/zero_shot.py [--choose-on 4000]

The default (template, self-training) is chosen on a sample of ``ag_news/train.csv`` texts;
``dev.csv`` only scores each variant, and the chosen default is reported on it.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import time
from pathlib import Path

from common import OUT, machine, require_shared, today, write_section

CLASSES = {"1": "World", "2": "Sports", "3": "Business", "4": "Sci_Tech"}
LABELS = list(CLASSES.values())
TEMPLATES = {"label name": "{}", "'This text is about {}.'": "This text is about {}.",
             "'News about {}.'": "News about {}."}
ROUNDS = (0, 1, 2, 3)


def read(name: str, limit: int | None = None, seed: int = 0) -> tuple[list[str], list[str]]:
    with open(require_shared("ag_news", name), newline="", encoding="utf-8") as f:
        rows = [(r["description"], CLASSES[r["class_index"]]) for r in csv.DictReader(f)]
    if limit:
        random.Random(seed).shuffle(rows)
        rows = rows[:limit]
    return [t for t, _ in rows], [y for _, y in rows]


def macro_f1(gold: list[str], pred: list[str]) -> float:
    from sklearn.metrics import f1_score

    return 100 * f1_score(gold, pred, labels=LABELS, average="macro")


def scores(encoder, location, texts, gold, vectors) -> dict[tuple[str, int], float]:
    import numpy as np

    from myna.models.zero_shot import build, self_train

    out = {}
    for name, template in TEMPLATES.items():
        model = build(encoder, location, LABELS, "bench", template)
        for rounds in ROUNDS:
            label_vectors = self_train(model.vectors, vectors, rounds) if rounds else model.vectors
            pred = [LABELS[i] for i in np.argmax(vectors @ label_vectors.T, axis=1)]
            out[(name, rounds)] = macro_f1(gold, pred)
    return out


def through_cli(gold: list[str]) -> tuple[float, float]:
    """The command a user runs, defaults only: macro-F1 of its output, and its wall time."""
    out = OUT / "zero_shot_dev.jsonl"
    myna = str(Path(sys.executable).with_name("myna"))
    t0 = time.perf_counter()
    subprocess.run([myna, "predict", "zero-shot-classification", "--labels",
                    ",".join(LABELS), "--file", str(require_shared("ag_news", "dev.csv")),
                    "--column", "description", "--out", str(out)], check=True, cwd=OUT,
                   env={**__import__("os").environ, "HF_HUB_OFFLINE": "1"})
    wall = time.perf_counter() - t0
    with open(out, encoding="utf-8") as f:
        pred = [json.loads(line)["label"] for line in f]
    return macro_f1(gold, pred), wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--choose-on", type=int, default=4000, help="train.csv texts for choosing")
    args = ap.parse_args()
    from myna.models import load
    from myna.models.zero_shot import normalised

    encoder_model = load(None, kind="sentence-transformers")
    encoder, location = encoder_model.obj, encoder_model.location
    train_texts, train_gold = read("train.csv", args.choose_on)
    dev_texts, dev_gold = read("dev.csv")
    t0 = time.perf_counter()
    train_vectors = normalised(encoder.encode(train_texts, batch_size=64))
    dev_vectors = normalised(encoder.encode(dev_texts, batch_size=64))
    embed_s = time.perf_counter() - t0
    on_train = scores(encoder, location, train_texts, train_gold, train_vectors)
    on_dev = scores(encoder, location, dev_texts, dev_gold, dev_vectors)
    chosen = max(on_train, key=on_train.__getitem__)
    cli_f1, cli_wall = through_cli(dev_gold)
    rows = "\n".join(
        f"| {name} | {rounds} | {on_train[(name, rounds)]:.1f} | {on_dev[(name, rounds)]:.1f} |"
        + (" ← chosen on train" if (name, rounds) == chosen else "")
        for name, rounds in on_train)
    body = f"""### Zero-shot AG News: MiniLM, label names only

Command: `.venv/bin/python bench/zero_shot.py --choose-on {args.choose_on}`
Date: {today()} · Machine: {machine()} · one run (deterministic: no sampling)

Labels given: `World,Sports,Business,Sci_Tech` and nothing else. Self-training refines each
label's vector on the unlabelled texts being classified (`--self-train N`). The default is the
best variant on {len(train_texts):,} `train.csv` texts; `dev.csv` ({len(dev_texts):,} texts) only
scores. Embedding both sets took {embed_s:.0f} s.

| prompt | self-training rounds | macro-F1 train sample | macro-F1 dev |
|---|---:|---:|---:|
{rows}

Chosen default: prompt {chosen[0]}, {chosen[1]} round(s) → **{on_dev[chosen]:.1f}** macro-F1 on dev
(goal ≥ 75).

End to end with the defaults (`myna predict zero-shot-classification --labels
World,Sports,Business,Sci_Tech --file ag_news/dev.csv --column description --out …`):
**{cli_f1:.1f}** macro-F1 on dev, {cli_wall:.0f} s wall including start-up.
"""
    write_section("zero-shot-ag-news", body)
    print(body)


if __name__ == "__main__":
    main()
