"""CoNLL-2003: an ensemble of trained transformer entity recognizers (e.g. two seeds of the
same options from `bench/train_ner_conll.py`), their tag probabilities averaged with equal
weights (two seeds hold out different slices of train.txt, so no slice is unseen by both to
tune on), read by Viterbi and scored on `dev.txt`, which no member saw.

    .venv/bin/python bench/ner_ensemble.py bench/out/conll_transformer_combo8/model-best \\
        bench/out/conll_transformer_combo8s1/model-best --name combo8x2
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from common import OUT, machine, require_shared, today, write_section


def training_minutes(model: Path) -> float:
    """The member's training wall time, from its run's selection history."""
    history = json.loads((model.parent / "history.json").read_text())
    return history[-1]["seconds"] / 60


def per_label(scores: dict) -> str:
    return ", ".join(f"{label} {100 * v['f']:.1f}" for label, v in scores.items())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("members", nargs="+", type=Path)
    ap.add_argument("--name", required=True, help="names the output and the section")
    ap.add_argument("--decode", default="viterbi")
    ap.add_argument("--join-sentences", type=int, default=1,
                    help="score dev.txt's sentences N at a time, as the members trained")
    args = ap.parse_args()
    os.environ.setdefault("MYNA_HOME", str(OUT / "myna-home"))
    from myna.evaluate.scoring import evaluate
    from myna.train.ensemble import build_ensemble

    dev_path = require_shared("conll2003", "dev.txt")
    out = OUT / f"ner_ensemble_{args.name}"
    build_ensemble([str(m) for m in args.members], out, decode=args.decode)
    rows = []
    for ref in [*args.members, out]:
        t0 = time.perf_counter()
        report = evaluate(str(ref), dev_path, join=args.join_sentences)
        seconds = time.perf_counter() - t0
        rows.append((ref, report, seconds))
    minutes = [training_minutes(m) for m in args.members]
    table = "\n".join(
        f"| `{os.path.relpath(ref)}` | {100 * r.micro['f']:.2f} | {100 * r.micro['p']:.1f} | "
        f"{100 * r.micro['r']:.1f} | {per_label(r.per_label)} | {r.examples / s:,.0f} |"
        for ref, r, s in rows)
    members = " ".join(str(m) for m in args.members)
    joined = f" --join-sentences {args.join_sentences}" if args.join_sentences != 1 else ""
    unit = "sentences" if args.join_sentences == 1 else "texts"
    body = f"""### CoNLL-2003 NER ensemble · {args.name}

Command: `.venv/bin/python bench/ner_ensemble.py {members} --name {args.name} --decode {args.decode}{joined}`
Date: {today()} · Machine: {machine()} · one run

Equal weights, tags read by {args.decode}. Training wall of the members together:
{' + '.join(f'{m:.1f}' for m in minutes)} = **{sum(minutes):.1f} min**.

| model | dev entity F1 | P | R | per label F1 | dev {unit}/s (scoring, 2 cores) |
|---|---:|---:|---:|---|---:|
{table}
"""
    write_section(f"conll-ner-ensemble-{args.name}", body)
    print(body)


if __name__ == "__main__":
    main()
