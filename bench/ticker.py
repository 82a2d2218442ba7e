"""The book's TICKER walkthrough, reproducible: bootstrap TICKER annotations on AG News
descriptions from match patterns, update `en_core_web_sm` with them (the base model's own
entities are rehearsed), and compare the custom model with the base.

    .venv/bin/python bench/ticker.py [--epochs 10]

Patterns: `(Nasdaq: ORCL)`, `(NYSE: F)`-style exchange prefixes and Reuters codes such as
`(INTU.O)` or `(TD.TO)` (exchange suffixes from a fixed list; `(CBS.MW)`, a news-wire tag, is
not a ticker). Training texts come from `ag_news/train.csv`, held-out texts from `dev.csv`.
Reported: TICKER precision/recall/F1 on the held-out ticker texts (gold from the patterns), and
how far the custom model's base labels drift from the base model, read two ways:
- against gold: both models on CoNLL-2003 dev (3,250 sentences of Reuters news), their
  OntoNotes labels mapped to CoNLL's (`--label-map ontonotes-conll`), F1 on PER/ORG/LOC/MISC;
- against the base model: the custom model's PERSON/ORG/GPE/… on 1,000 held-out AG News texts
  scored against the base model's own predictions (strict: it also counts the base model's
  mistakes that the update happened to fix).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import time

from common import OUT, machine, require_shared, today, write_section

EXCHANGE = re.compile(r"\((?:NYSE|Nasdaq|NASDAQ|AMEX|Amex|NasdaqNM|LSE|TSX)\s*:\s*"
                      r"([A-Z][A-Z.]{0,6}[A-Z])\s*\)|\((?:NYSE|Nasdaq|NASDAQ|AMEX)\s*:\s*([A-Z])\)")
REUTERS = re.compile(r"\(([A-Z]{1,5}\.(?:O|N|OQ|L|TO|PA|DE|T|VX|AU|AS|MI|HK|F|MC|SW|BR|CO|ST|"
                     r"OL|HE|KS|PK|OB))\)")


def ticker_spans(text: str) -> list[dict]:
    spans = []
    for m in EXCHANGE.finditer(text):
        group = 1 if m.group(1) else 2
        spans.append({"start": m.start(group), "end": m.end(group), "label": "TICKER"})
    for m in REUTERS.finditer(text):
        spans.append({"start": m.start(1), "end": m.end(1), "label": "TICKER"})
    return sorted(spans, key=lambda s: s["start"])


def descriptions(name: str) -> list[str]:
    with open(require_shared("ag_news", name), newline="", encoding="utf-8") as f:
        return [r["description"] for r in csv.DictReader(f)]


def conll_sentences(name: str) -> list[str]:
    """CoNLL-2003 sentences (words joined by spaces), headlines in capitals included."""
    sentences, words = [], []
    for line in require_shared("conll2003", name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("-DOCSTART-"):
            words.append(line.split()[0])
        elif words:
            sentences.append(" ".join(words))
            words = []
    return sentences + ([" ".join(words)] if words else [])


def write_jsonl(path, texts) -> int:
    rows = [{"text": t, "spans": ticker_spans(t)} for t in texts]
    rows = [r for r in rows if r["spans"]]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return len(rows)


def drift(base_nlp, custom_nlp, texts: list[str]) -> dict:
    """Custom model's base-label entities scored against the base model's predictions."""
    from spacy.scorer import Scorer
    from spacy.training import Example

    base_labels = set(base_nlp.get_pipe("ner").labels)
    pairs = []
    for ref, pred in zip(base_nlp.pipe(texts), custom_nlp.pipe(texts), strict=True):
        pred.ents = [e for e in pred.ents if e.label_ in base_labels]
        pairs.append(Example(pred, ref))
    return Scorer.score_spans(pairs, "ents")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--drift-texts", type=int, default=1000)
    ap.add_argument("--rehearse-texts", type=int, default=2000,
                    help="raw train.csv texts the base model annotates as rehearsal data")
    ap.add_argument("--new-component", default=None,
                    help="train TICKER as this new `ner` before the frozen base one (the "
                         "--rehearse-texts are then its negatives: texts without tickers)")
    ap.add_argument("--negatives", choices=("ag", "conll"), default="ag",
                    help="where those texts come from: AG News train.csv descriptions or "
                         "CoNLL-2003 train.txt sentences (capitalised headlines included)")
    args = ap.parse_args()
    os.environ.setdefault("MYNA_HOME", str(OUT / "myna-home"))
    import spacy

    from myna.evaluate.compare import compare
    from myna.evaluate.labelmap import parse_label_map
    from myna.text.pipelines import resolve_model
    from myna.train.runner import TrainSpec, train

    OUT.mkdir(parents=True, exist_ok=True)
    train_path, held_path = OUT / "ticker_train.jsonl", OUT / "ticker_heldout.jsonl"
    dev_texts = descriptions("dev.csv")
    n_train = write_jsonl(train_path, descriptions("train.csv"))
    n_held = write_jsonl(held_path, dev_texts)
    raw_path = OUT / "ticker_rehearse.jsonl"
    pool = descriptions("train.csv") if args.negatives == "ag" else conll_sentences("train.txt")
    raw = [t for t in pool if not ticker_spans(t)][: args.rehearse_texts]
    raw_path.write_text("".join(json.dumps({"text": t}) + "\n" for t in raw))
    t0 = time.perf_counter()
    tag = (f"_{args.new_component}" if args.new_component else "") + (
        f"_{args.negatives}{args.rehearse_texts}" if args.new_component and args.rehearse_texts
        else "")
    result = train(TrainSpec(task="ner", source=train_path, output=OUT / f"ticker_model{tag}",
                             base="en_core_web_sm", epochs=args.epochs, fix_spans="expand",
                             dev_fraction=0.2, new_component=args.new_component,
                             rehearse_with=raw_path if args.rehearse_texts else None))
    train_s = time.perf_counter() - t0
    cmp = compare("en_core_web_sm", str(result.model), held_path)
    ticker = cmp.custom.per_label.get("TICKER", {"p": 0, "r": 0, "f": 0, "support": 0})
    base_nlp = spacy.load(resolve_model("en_core_web_sm"))
    custom_nlp = spacy.load(result.model)
    plain = [t for t in dev_texts if not ticker_spans(t)][: args.drift_texts]
    d = drift(base_nlp, custom_nlp, plain)
    gold = compare("en_core_web_sm", str(result.model),
                   require_shared("conll2003", "dev.txt"),
                   label_map=parse_label_map("ontonotes-conll"))
    gold_base, gold_custom = gold.base.micro["f"], gold.custom.micro["f"]
    gold_rows = ", ".join(f"{r['label']} {100 * r['base_f']:.1f} → {100 * r['custom_f']:.1f}"
                          for r in gold.rows)
    per = d["ents_per_type"]
    worst = sorted(per.items(), key=lambda kv: kv[1]["f"])[:3]
    how = (f"TICKER in a new `{args.new_component}` component before the frozen `ner`"
           if args.new_component else "`ner` updated with pattern-bootstrapped TICKER labels")
    command = (f"--new-component {args.new_component} " if args.new_component else "") + (
        f"--rehearse-texts {args.rehearse_texts} --negatives {args.negatives}")
    raw_what = ("AG News train descriptions" if args.negatives == "ag"
                else "CoNLL-2003 train sentences") + " without a ticker pattern, " + (
        "as negatives for the new component" if args.new_component
        else "annotated by the base model (rehearsal)")
    body = f"""## TICKER walkthrough: `en_core_web_sm`, {how}

Command: `.venv/bin/python bench/ticker.py --epochs {args.epochs} {command}`
Date: {today()} · Machine: {machine()} · one run

| data | texts |
|---|---:|
| AG News train descriptions with a ticker pattern (training; 20% of them for early stopping) | {n_train} |
| AG News dev descriptions with a ticker pattern (held out) | {n_held} |
| {raw_what} | {len(raw)} |
| AG News dev descriptions without one (drift check) | {len(plain)} |

| measure | base `en_core_web_sm` | custom |
|---|---:|---:|
| TICKER P / R / F1 on held-out ticker texts | – (no such label) | {100 * ticker['p']:.1f} / {100 * ticker['r']:.1f} / {100 * ticker['f']:.1f} |
| base labels on CoNLL-2003 dev gold (mapped), micro F1 | {100 * gold_base:.1f} | {100 * gold_custom:.1f} |
| base labels vs the base model's own predictions, micro F1 | 100 (by definition) | {100 * d['ents_f']:.1f} |

Training wall time {train_s / 60:.1f} min ({len(result.history)} evaluations).
CoNLL dev F1 per label, base → custom: {gold_rows}.
Agreement with the base model per label, the three lowest: {', '.join(f"{k} {100 * v['f']:.1f}" for k, v in worst)}.
Target "the base labels may not drop more than 2 points":
- on gold: {100 * (gold_base - gold_custom):+.1f} points ({"met" if gold_base - gold_custom <= 0.02 else "NOT met"});
- against the base model's own output: {100 * (1 - d['ents_f']):.1f} points ({"met" if d['ents_f'] >= 0.98 else "NOT met"}).
Issue 20's targets: agreement with the base model's own output ≥ 99: {100 * d['ents_f']:.1f} ({"met" if d['ents_f'] >= 0.99 else "NOT met"}); TICKER F1 ≥ 90: {100 * ticker['f']:.1f} ({"met" if ticker['f'] >= 0.90 else "NOT met"}).
"""
    write_section("ticker" + tag.replace("_", "-"), body)
    print(body)


if __name__ == "__main__":
    main()
