"""CoNLL-2003 NER: train on `conll2003/train.txt` (early stopping and model-best on a
stratified slice of it), score the final model on `dev.txt`, which training never sees.

    .venv/bin/python bench/train_ner_conll.py --base transformer --max-minutes 55
    .venv/bin/python bench/train_ner_conll.py --base blank --max-minutes 55

Reports spaCy's entity F1 and seqeval's on the same tokens (they must agree), the same model's
F1 with its tags read the other way (greedy or viterbi), the selection curve (F1 on the
held-out slice after each evaluation, with its wall time) and the training wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import time
from pathlib import Path

from common import OUT, command_options, machine, require_shared, today, write_section


def with_decoding(model: Path, decode: str) -> Path:
    """A copy of the pipeline whose `ner` reads its tags by ``decode``."""
    copy = model.with_name(model.name + f"-{decode}")
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(model, copy)
    config = copy / "config.cfg"
    text = re.sub(r'^decode = .*$', f'decode = "{decode}"', config.read_text(), flags=re.M)
    if "decode = " not in text:  # saved before the setting existed
        text = text.replace('factory = "myna_hf_ner"', f'decode = "{decode}"\nfactory = "myna_hf_ner"')
    config.write_text(text)
    return copy


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="transformer")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--max-minutes", type=float, default=55)
    ap.add_argument("--learn-rate", type=float, default=None)
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dev-fraction", type=float, default=0.1,
                    help="share of train.txt that picks model-best")
    ap.add_argument("--tag", default="", help="suffix of the output folder and the section")
    ap.add_argument("--word-shapes", type=int, default=0)
    ap.add_argument("--spacy-features", default=None, help="e.g. en_core_web_sm")
    ap.add_argument("--spacy-annotations", default="", help="ents, tags or ents,tags")
    ap.add_argument("--decode", default="greedy")
    ap.add_argument("--average-last", type=int, default=0)
    ap.add_argument("--keep", default="best", choices=("best", "last"),
                    help="score model-best or model-last (the final weights, no selection)")
    ap.add_argument("--join-sentences", type=int, default=1,
                    help="a document's sentences N at a time, in training and scoring (0: whole)")
    ap.add_argument("--score-only", action="store_true",
                    help="score the model a previous run with the same options left")
    args = ap.parse_args()

    os.environ.setdefault("MYNA_HOME", str(OUT / "myna-home"))
    from myna.evaluate.scoring import evaluate
    from myna.train.runner import TrainSpec, train

    train_path = require_shared("conll2003", "train.txt")
    dev_path = require_shared("conll2003", "dev.txt")
    name = args.base.replace(':', '_').replace('/', '_') + (f"_{args.tag}" if args.tag else "")
    out = OUT / f"conll_{name}"
    t0 = time.perf_counter()
    if args.score_only:
        history = json.loads((out / "history.json").read_text())
        best, stopped = out / f"model-{args.keep}", "see the training run"
        train_s = history[-1]["seconds"]
    else:
        result = train(TrainSpec(task="ner", source=train_path, output=out,
                                 dev_fraction=args.dev_fraction, base=args.base,
                                 epochs=args.epochs, max_minutes=args.max_minutes,
                                 seed=args.seed, learn_rate=args.learn_rate,
                                 batch_size=args.batch_size, word_shapes=args.word_shapes,
                                 spacy_features=args.spacy_features,
                                 spacy_annotations=args.spacy_annotations, decode=args.decode,
                                 average_last=args.average_last, keep=args.keep,
                                 join_sentences=args.join_sentences))
        train_s = time.perf_counter() - t0
        best, stopped, history = result.model, result.stopped_early, result.history
    t0 = time.perf_counter()
    report = evaluate(str(best), dev_path, join=args.join_sentences)
    eval_s = time.perf_counter() - t0
    other = "viterbi" if args.decode == "greedy" else "greedy"
    other_report = evaluate(str(with_decoding(best, other)), dev_path, join=args.join_sentences)
    curve = ", ".join(f"{h['seconds'] / 60:.0f} min {100 * (h['score'] or 0):.1f}"
                      + (" (averaged)" if h.get("averaged") else "") for h in history)
    selected = json.loads((out / "train_config.json").read_text()).get("selected", "–")
    kept = ("; scored: model-last (the final weights, `--keep last`)"
            if args.keep == "last" else "")
    default_join = ("join_sentences",) if args.join_sentences == 1 else ()
    options = command_options(args, keep=("join_sentences",),
                              skip=("score_only", *default_join))
    unit = "sentences" if args.join_sentences == 1 else f"texts ({args.join_sentences or 'whole'} sentences)"
    body = f"""### CoNLL-2003 NER · base `{args.base}`

Command: `.venv/bin/python bench/train_ner_conll.py{options}`
Date: {today()} · Machine: {machine()} · one run

| training wall | stopped | dev {unit} | entity F1 (spaCy) | entity F1 (seqeval) | P | R | scoring wall | F1 read by {other} instead |
|---:|---|---:|---:|---:|---:|---:|---:|---:|
| {train_s / 60:.1f} min | {stopped or 'epochs done'} | {report.examples:,} | {100 * report.micro['f']:.2f} | {100 * (report.seqeval_f1 or 0):.2f} | {100 * report.micro['p']:.1f} | {100 * report.micro['r']:.1f} | {eval_s:.0f} s | {100 * other_report.micro['f']:.2f} |

model-best: {selected}{kept}

Per label F1: {', '.join(f"{k} {100 * v['f']:.1f}" for k, v in report.per_label.items())}

Selection curve (wall time · entity F1 on the held-out slice of train.txt): {curve}
"""
    write_section(f"conll-ner-{name}" + ("-last" if args.keep == "last" else ""), body)
    print(body)


if __name__ == "__main__":
    main()
