"""AG News topic classification: train on 800 (200 per class) or all 8,000 labels, score on
`ag_news/dev.csv` (3,800 rows never seen in training).

    .venv/bin/python bench/train_textcat.py --per-class 200 --base blank
    .venv/bin/python bench/train_textcat.py --per-class 0 --base blank      # all 8,000

Early stopping and model-best use a stratified 10% of the training labels, not dev.csv.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import time
from collections import defaultdict
from pathlib import Path

from common import OUT, command_options, machine, require_shared, today, write_section

CLASSES = {"1": "World", "2": "Sports", "3": "Business", "4": "Sci_Tech"}


def split_train(per_class: int, seed: int) -> tuple[list[tuple[str, str]], list[str]]:
    """``per_class`` labelled texts per class (all: 0), shuffled, and the rest's texts."""
    rows_by_class = defaultdict(list)
    with open(require_shared("ag_news", "train.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rows_by_class[row["class_index"]].append(row["description"])
    rng = random.Random(seed)
    chosen, rest = [], []
    for cls, texts in sorted(rows_by_class.items()):
        texts = list(texts)
        rng.shuffle(texts)
        chosen += [(t, CLASSES[cls]) for t in (texts[:per_class] if per_class else texts)]
        rest += texts[per_class:] if per_class else []
    rng.shuffle(chosen)
    return chosen, rest


def write_subset(per_class: int, seed: int) -> tuple[str, int]:
    chosen, _ = split_train(per_class, seed)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"ag_train_{per_class or 'all'}.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(chosen)
    return str(path), len(chosen)


def write_rest(per_class: int, seed: int) -> str:
    """The training texts left out of the labelled subset, without their labels."""
    _, rest = split_train(per_class, seed)
    path = OUT / f"ag_train_rest_{per_class}.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text"])
        w.writerows([t] for t in rest)
    return str(path)


def write_conll_texts() -> str:
    """CoNLL-2003's training sentences (Reuters news, 1996) as plain texts, for a teacher to
    label: the only unlabelled news here besides AG News' own 8,000 (dev.csv is scoring data)."""
    path = OUT / "conll_train_texts.csv"
    sentences, words = [], []
    with open(require_shared("conll2003", "train.txt"), encoding="utf-8") as f:
        for line in [*f, "\n"]:
            if line.strip():
                words.append(line.split()[0])
            elif words:
                sentences.append(" ".join(words))
                words = []
    with open(path, "w", newline="", encoding="utf-8") as out:
        w = csv.writer(out)
        w.writerow(["text"])
        w.writerows([s] for s in sentences if len(s.split()) >= 5)
    return str(path)


def unlabelled(args: argparse.Namespace) -> Path | None:
    if args.unlabelled_rest and args.unlabelled_conll:
        raise SystemExit("--unlabelled-rest or --unlabelled-conll, not both")
    if args.unlabelled_rest:
        return Path(write_rest(args.per_class, draw_seed(args)))
    return Path(write_conll_texts()) if args.unlabelled_conll else None


def draw_seed(args: argparse.Namespace) -> int:
    return args.seed if args.draw_seed is None else args.draw_seed


def write_dev() -> str:
    path = OUT / "ag_dev.csv"
    with open(require_shared("ag_news", "dev.csv"), newline="", encoding="utf-8") as f, \
            open(path, "w", newline="", encoding="utf-8") as out:
        w = csv.writer(out)
        w.writerow(["text", "label"])
        for row in csv.DictReader(f):
            w.writerow([row["description"], CLASSES[row["class_index"]]])
    return str(path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-class", type=int, default=200, help="0 = all 8,000")
    ap.add_argument("--base", default="blank")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--max-minutes", type=float, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--draw-seed", type=int, default=None,
                    help="which labels are drawn (default: --seed); with another --seed, a "
                         "second model of the same labels, e.g. an ensemble member")
    ap.add_argument("--vectors", default=None, help="word vectors for a blank pipeline")
    ap.add_argument("--dev-fraction", type=float, default=0.1,
                    help="stratified share of the training labels that picks model-best")
    ap.add_argument("--repair-escapes", action="store_true")
    ap.add_argument("--average-last", type=int, default=0)
    ap.add_argument("--cnn", action="store_true")
    ap.add_argument("--ngrams", type=int, default=0, help="bag of words: longest n-gram")
    ap.add_argument("--teacher", default=None, help="distil this model into --base blank")
    ap.add_argument("--augment", type=int, default=0, help="with --teacher: copies per text")
    ap.add_argument("--temperature", type=float, default=None, help="with --teacher")
    ap.add_argument("--unlabelled-conll", action="store_true",
                    help="with --teacher: CoNLL-2003's training sentences as unlabelled texts")
    ap.add_argument("--unlabelled-rest", action="store_true",
                    help="with --teacher and --per-class N: the other training texts, unlabelled")
    ap.add_argument("--learn-rate", type=float, default=None)
    ap.add_argument("--tag", default="", help="suffix of the output folder and the section")
    ap.add_argument("--keep", default="best", choices=("best", "last"),
                    help="score model-best or model-last (the final weights, no selection)")
    ap.add_argument("--score-last", action="store_true",
                    help="also score the model not kept (model-last, or model-best with "
                         "--keep last)")
    ap.add_argument("--no-speed", action="store_true",
                    help="skip the texts/s timing (a slow model's second pass over dev.csv)")
    args = ap.parse_args()

    os.environ.setdefault("MYNA_HOME", str(OUT / "myna-home"))
    from myna.evaluate.scoring import evaluate
    from myna.train.runner import TrainSpec, train

    train_path, n = write_subset(args.per_class, draw_seed(args))
    dev_path = write_dev()
    tag = base_tag(args.base)
    if args.vectors:
        tag += "_vectors_" + os.path.basename(args.vectors.rstrip("/"))
    tag += f"_{args.per_class or 'all'}" + (f"_{args.tag}" if args.tag else "")
    out = OUT / f"textcat_{tag}"
    t0 = time.perf_counter()
    result = train(TrainSpec(task="textcat", source=train_path, output=out, base=args.base,
                             label_column="label", epochs=args.epochs,
                             max_minutes=args.max_minutes, seed=args.seed,
                             dev_fraction=args.dev_fraction, vectors=args.vectors,
                             repair_escapes=args.repair_escapes,
                             average_last=args.average_last, cnn=args.cnn,
                             ngrams=args.ngrams, teacher=args.teacher,
                             augment=args.augment, temperature=args.temperature or 1.0,
                             unlabelled=unlabelled(args), learn_rate=args.learn_rate,
                             keep=args.keep))
    train_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = evaluate(str(result.model), dev_path, label_column="label",
                      repair=args.repair_escapes)
    eval_s = time.perf_counter() - t0
    speed = None if args.no_speed else texts_per_second(result.model, dev_path)
    last_line = ""
    scores = [h["score"] or 0 for h in result.history if not h.get("averaged")]
    if args.score_last and scores and scores.index(max(scores)) == len(scores) - 1:
        last_line = "\nmodel-last is model-best (the last epoch scored best)\n"
    elif args.score_last:  # the model the run did not keep
        other = "best" if args.keep == "last" else "last"
        last = evaluate(str(out / f"model-{other}"), dev_path, label_column="label",
                        repair=args.repair_escapes)
        what = ("the final weights, kept without selection" if other == "last" else
                "the epoch the held-out slice scored best")
        last_line = (f"\nmodel-{other} ({what}): macro-F1 "
                     f"{100 * last.macro['f']:.1f}, accuracy {100 * last.accuracy:.1f}\n")
    drawn = ("draw_seed",) if args.draw_seed is not None else ()  # 0 is a seed, not "unset"
    options = command_options(args, keep=("per_class", *drawn))
    name = f"ag-textcat-{tag.replace('_', '-')}"
    selected = ""
    config = out / "train_config.json"
    if config.exists():
        selected = "\nmodel-best: " + json.loads(config.read_text()).get("selected", "–") + "\n"
    held = round(100 * args.dev_fraction)
    body = f"""### AG News textcat · base `{args.base}`{' + vectors `' + os.path.basename(args.vectors.rstrip("/")) + '`' if args.vectors else ''} · {n:,} labels{' · ' + args.tag if args.tag else ''}

Command: `.venv/bin/python bench/train_textcat.py{options}`
Date: {today()} · Machine: {machine()} · one run

| train rows ({held}% of them for early stopping) | training wall | epochs run | dev.csv rows | macro-F1 | accuracy | scoring wall | texts/s (`nlp.pipe`) |
|---:|---:|---:|---:|---:|---:|---:|---:|
| {n:,} | {train_s / 60:.1f} min{' (' + result.stopped_early + ')' if result.stopped_early else ''} | {max((h['epoch'] or 0) for h in result.history) + 1 if result.history else 0} | {report.examples:,} | {100 * report.macro['f']:.1f} | {100 * report.accuracy:.1f} | {eval_s:.0f} s | {'not timed' if speed is None else f'{speed:,.0f}'} |

Per label F1: {', '.join(f"{k} {100 * v['f']:.1f}" for k, v in report.per_label.items())}
{selected}{last_line}"""
    write_section(name, body)
    print(body)


def base_tag(base: str) -> str:
    """`transformer:/some/dir/all-mpnet-base-v2` → `transformer-all-mpnet-base-v2`."""
    kind, _, path = base.partition(":")
    return f"{kind}-{os.path.basename(path.rstrip('/'))}" if path else kind


def texts_per_second(model, dev_path: str) -> float:
    """The model's own `nlp.pipe` over the 3,800 dev texts (after a short warm-up)."""
    import spacy

    with open(dev_path, newline="", encoding="utf-8") as f:
        texts = [row["text"] for row in csv.DictReader(f)]
    nlp = spacy.load(model)
    list(nlp.pipe(texts[:64]))
    t0 = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=256):
        pass
    return len(texts) / (time.perf_counter() - t0)


if __name__ == "__main__":
    main()
