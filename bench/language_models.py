"""Language models from scratch on all AG News text (train and dev titles and descriptions)
plus WikiText-2 valid, scored by perplexity on WikiText-2 test (never trained on).

    .venv/bin/python bench/language_models.py --archs lstm,transformer --epochs 3

The LSTM model is the one `bench/compare_archs.py --archs ulmfit:bench/out/lm_lstm` uses.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from common import OUT, ROOT, machine, require_shared, today, write_section
from text_corpus import _ag_news, _wikitext


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--archs", default="lstm,transformer")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--max-minutes", type=float, default=20)
    ap.add_argument("--reuse", default="", help="comma list of archs whose bench/out/lm_ARCH "
                                               "is kept from an earlier run (scored again)")
    args = ap.parse_args()
    reused = set(filter(None, args.reuse.split(",")))
    os.environ.setdefault("MYNA_HOME", str(OUT / "myna-home"))
    corpus = OUT / "lm_corpus.txt"
    with corpus.open("w", encoding="utf-8") as f:
        for texts in (_ag_news("train.csv"), _ag_news("dev.csv"), _wikitext("valid.txt")):
            for text in texts:
                f.write(" ".join(text.split()) + "\n")
    test = require_shared("wikitext-2", "test.txt")
    myna = os.path.join(os.path.dirname(sys.executable), "myna")
    rows = []
    for arch in args.archs.split(","):
        out = OUT / f"lm_{arch}"
        if arch not in reused:
            subprocess.run([myna, "lm", "train", str(corpus), "--arch", arch, "--epochs",
                            str(args.epochs), "--max-minutes", str(args.max_minutes), "-o",
                            str(out)], check=True, cwd=ROOT)
        minutes = json.loads((out / "lm.json").read_text())["seconds"] / 60
        scored = subprocess.run([myna, "lm", "evaluate", str(out), str(test), "--json"],
                                check=True, cwd=ROOT, capture_output=True, text=True)
        result = json.loads(scored.stdout)
        history = json.loads((out / "lm.json").read_text())["history"]
        curve = " → ".join(f"{h['perplexity']:.1f}" for h in history)
        rows.append(f"| {arch} | {len(history)} | {curve} | {history[-1]['accuracy']:.3f} | "
                    f"**{result['perplexity']:.1f}** ({result['tokens']:,} tokens) | "
                    f"{minutes:.1f} min |")
        print(rows[-1], flush=True)
    body = f"""### Language models from scratch · perplexity on WikiText-2 test

Command: `.venv/bin/python bench/language_models.py --archs {args.archs} --epochs {args.epochs} --max-minutes {args.max_minutes}{' --reuse ' + args.reuse if args.reuse else ''}`
Date: {today()} · Machine: {machine()} · one run each

Trained on all AG News text and WikiText-2 valid (`bench/out/lm_corpus.txt`; the last 5%
held out for the per-epoch validation), word vocabulary of the 30,000 most frequent
lower-cased spaCy tokens seen twice, 128-d embeddings, 2 layers of 256, windows of 64;
scored on WikiText-2 test, which no model saw. WikiText's own `<unk>` tokens count as words.
A reused model (`--reuse`) was trained by an earlier run of this script with the same settings.

| model | epochs | validation perplexity per epoch | next-token accuracy | WikiText-2 test perplexity | training wall |
|---|---:|---|---:|---:|---:|
{chr(10).join(rows)}
"""
    write_section("language-models", body)
    print(body)


if __name__ == "__main__":
    main()
