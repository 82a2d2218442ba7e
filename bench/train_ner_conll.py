"""CoNLL-2003 NER: train on `conll2003/train.txt`, early-stop and score on `dev.txt`.

    .venv/bin/python bench/train_ner_conll.py --base transformer --max-minutes 55
    .venv/bin/python bench/train_ner_conll.py --base blank --max-minutes 55

Reports spaCy's entity F1 and seqeval's on the same tokens (they must agree), the dev curve
(F1 after each evaluation, with its wall time) and the training wall time.
"""

from __future__ import annotations

import argparse
import os
import time

from common import OUT, machine, require_shared, today, write_section


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="transformer")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--max-minutes", type=float, default=55)
    ap.add_argument("--learn-rate", type=float, default=None)
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    os.environ.setdefault("MYNA_HOME", str(OUT / "myna-home"))
    from myna.evaluate.scoring import evaluate
    from myna.train.runner import TrainSpec, train

    train_path = require_shared("conll2003", "train.txt")
    dev_path = require_shared("conll2003", "dev.txt")
    out = OUT / f"conll_{args.base.replace(':', '_').replace('/', '_')}"
    t0 = time.perf_counter()
    result = train(TrainSpec(task="ner", source=train_path, dev_source=dev_path, output=out,
                             base=args.base, epochs=args.epochs, max_minutes=args.max_minutes,
                             seed=args.seed, learn_rate=args.learn_rate,
                             batch_size=args.batch_size))
    train_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    report = evaluate(str(result.best_model), dev_path)
    eval_s = time.perf_counter() - t0
    curve = ", ".join(f"{h['seconds'] / 60:.0f} min {100 * (h['score'] or 0):.1f}"
                      for h in result.history)
    options = "".join(f" --{k.replace('_', '-')} {v}" for k, v in vars(args).items()
                      if v is not None and k != "seed")
    body = f"""### CoNLL-2003 NER · base `{args.base}`

Command: `.venv/bin/python bench/train_ner_conll.py{options}`
Date: {today()} · Machine: {machine()} · one run

| training wall | stopped | dev sentences | entity F1 (spaCy) | entity F1 (seqeval) | P | R | scoring wall |
|---:|---|---:|---:|---:|---:|---:|---:|
| {train_s / 60:.1f} min | {result.stopped_early or 'epochs done'} | {report.examples:,} | {100 * report.micro['f']:.2f} | {100 * (report.seqeval_f1 or 0):.2f} | {100 * report.micro['p']:.1f} | {100 * report.micro['r']:.1f} | {eval_s:.0f} s |

Per label F1: {', '.join(f"{k} {100 * v['f']:.1f}" for k, v in report.per_label.items())}

Dev curve (wall time · entity F1): {curve}
"""
    write_section(f"conll-ner-{args.base}", body)
    print(body)


if __name__ == "__main__":
    main()
