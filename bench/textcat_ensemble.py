"""AG News: an ensemble of two trained classifiers (e.g. the fine-tuned MiniLM and the spaCy
bag of words, both from `bench/train_textcat.py` with the same seed, hence the same held-out
slice), weights tuned on that slice of the training data, scored on `dev.csv`.

    .venv/bin/python bench/textcat_ensemble.py bench/out/textcat_transformer_200/model-best \\
        bench/out/textcat_blank_200/model-best --name 200
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from common import OUT, command_options, machine, today, write_section
from train_textcat import texts_per_second, write_dev


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("members", nargs="+")
    ap.add_argument("--name", required=True, help="names the output and the section")
    ap.add_argument("--repair-escapes", action="store_true",
                    help="the members were trained with --repair-escapes")
    ap.add_argument("--weights", default=None,
                    help="fixed weights, comma-separated (default: tuned on the held-out slice)")
    ap.add_argument("--ensemble-only", action="store_true",
                    help="score only the ensemble (the members' own sections hold theirs)")
    ap.add_argument("--no-speed", action="store_true", help="skip the texts/s timing")
    args = ap.parse_args()
    os.environ.setdefault("MYNA_HOME", str(OUT / "myna-home"))
    from myna.evaluate.scoring import evaluate
    from myna.train.ensemble import build_ensemble

    tune = Path(args.members[0]).parent / "corpus" / "dev.spacy"
    out = OUT / f"ensemble_{args.name}"
    t0 = time.perf_counter()
    weights = [float(w) for w in args.weights.split(",")] if args.weights else None
    # fixed weights need no slice: members of other seeds trained on parts of the first's
    report = build_ensemble(args.members, out, weights=weights, tune=None if weights else tune)
    build_s = time.perf_counter() - t0
    dev_path = write_dev()
    rows = []
    for ref in [str(out)] if args.ensemble_only else [*args.members, str(out)]:
        scored = evaluate(ref, dev_path, label_column="label", repair=args.repair_escapes)
        rows.append((ref, scored, None if args.no_speed else texts_per_second(ref, dev_path)))
    table = "\n".join(
        f"| `{ref}` | {100 * r.macro['f']:.1f} | {100 * r.accuracy:.1f} | "
        f"{'not timed' if speed is None else f'{speed:,.0f}'} |" for ref, r, speed in rows)
    options = command_options(args, skip=("members", "name"))
    tuned = ", ".join(f"{100 * s:.1f}" for s in report.member_scores)
    how = (f"Weights {', '.join(f'{w:.2f}' for w in report.weights)} fixed, not tuned on any data"
           if weights else
           f"""Weights {', '.join(f'{w:.2f}' for w in report.weights)} tuned; scored on the members' held-out slice of
the training data (`{tune}`; members' macro-F1 there {tuned}, ensemble
{100 * (report.ensemble_score or 0):.1f})""")
    body = f"""### AG News ensemble · {args.name}

Command: `.venv/bin/python bench/textcat_ensemble.py {' '.join(args.members)} --name {args.name}{options}`
Date: {today()} · Machine: {machine()} · one run

{how}; building took {build_s:.0f} s.

| model | dev.csv macro-F1 | accuracy | texts/s (`nlp.pipe`) |
|---|---:|---:|---:|
{table}
"""
    write_section(f"ag-ensemble-{args.name}", body)
    print(body)


if __name__ == "__main__":
    main()
