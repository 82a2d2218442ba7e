"""The training half of `myna demo`: bootstrap TICKER labels with patterns into the annotation
store, train a classifier and an updated NER model, compare base vs custom on held-out texts,
and register both models."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table

from myna.core.console import console, markup

HELD_OUT = 8  # ticker texts kept out of training, for the base-vs-custom comparison
DATASET = "demo_tickers"


@dataclass
class DemoModels:
    ner_uri: str
    textcat_uri: str


def ticker_patterns(companies: Path) -> list[dict]:
    """One TICKER pattern per listed symbol (single letters such as Ford's F would match
    too much text)."""
    with open(companies, newline="", encoding="utf-8") as f:
        symbols = [r["ticker"] for r in csv.DictReader(f) if len(r["ticker"]) > 1]
    return [{"label": "TICKER", "pattern": [{"ORTH": s}]} for s in symbols]


def bootstrap(texts: list[dict], companies: Path, out_dir: Path) -> tuple[Path, Path]:
    """The base model's entities plus pattern TICKERs (the ruler runs before the NER, which
    keeps its spans): annotations for training, and a held-out file as gold for comparing."""
    import spacy

    from myna.text.pipelines import resolve_model

    nlp = spacy.load(resolve_model(None))
    ruler = nlp.add_pipe("entity_ruler", before="ner")
    ruler.add_patterns(ticker_patterns(companies))  # type: ignore[attr-defined]
    rows = []
    for item, doc in zip(texts, nlp.pipe(t["text"] for t in texts), strict=True):
        rows.append({"text": item["text"], "meta": {"id": item["id"]}, "answer": "accept",
                     "spans": [{"start": e.start_char, "end": e.end_char, "label": e.label_}
                               for e in doc.ents]})
    out_dir.mkdir(parents=True, exist_ok=True)
    train, held_out = out_dir / "tickers_bootstrapped.jsonl", out_dir / "tickers_held_out.jsonl"
    for path, part in ((train, rows[:-HELD_OUT]), (held_out, rows[-HELD_OUT:])):
        path.write_text("".join(json.dumps(r) + "\n" for r in part), encoding="utf-8")
    return train, held_out


def bootstrap_step(sample: Path, companies: Path, out_dir: Path) -> Path:
    from myna.annotate.database import open_store
    from myna.annotate.imports import import_file

    console.rule(markup("[bold]2. Bootstrap TICKER labels with patterns into the annotation "
                        "store"))
    texts = [json.loads(line) for line in sample.read_text(encoding="utf-8").splitlines()]
    train, held_out = bootstrap(texts, companies, out_dir)
    store = open_store()
    if DATASET in {d.name for d in store.datasets()}:
        store.drop(DATASET)  # a rerun starts the demo dataset afresh
    summary = import_file(store, DATASET, train, session="patterns")
    labels = store.label_counts(summary.dataset)
    console.print(f"dataset {DATASET!r}: {summary.answers} annotated texts; "
                  f"TICKER spans: {labels.get('TICKER', 0)}; {len(texts) - summary.answers} "
                  f"texts held out in {held_out.name}")
    console.print(markup("correct them in the browser: [bold]myna annotate ner.correct {} "
                         "--model en_core_web_sm --label ORG,PERSON,GPE,TICKER[/]", DATASET))
    return held_out


def train_step(sample: Path, out_dir: Path):
    from myna.train.progress import train_with_progress as _run
    from myna.train.runner import TrainSpec

    console.rule(markup("[bold]3. Train a topic classifier and an NER model with TICKER"))
    # 36 texts are too few for a classifier from scratch; the bundled MiniLM encoder,
    # fine-tuned, generalises from them (the book's transformer route).
    textcat = _run(TrainSpec(task="textcat", source=sample, output=out_dir / "textcat",
                             label_column="category", base="transformer", epochs=15, seed=0))
    # A new label from 22 texts needs a larger step than the default for updates (2e-4).
    ner = _run(TrainSpec(task="ner", source=None, dataset=DATASET, base="en_core_web_sm",
                         output=out_dir / "ner", epochs=20, seed=0, learn_rate=1e-3))
    return textcat, ner


def compare_step(custom: Path, held_out: Path) -> None:
    from myna.evaluate.compare import compare

    console.rule(markup("[bold]4. Base vs custom on held-out texts"))
    result = compare("en_core_web_sm", str(custom), held_out)
    table = Table("label", "base F1", "custom F1", "support", title=f"{held_out.name} "
                  "(gold: patterns + the base model)", title_justify="left")
    for row in result.rows:
        table.add_row(row["label"], *(f"{row[k]:.2f}" if row[k] is not None else "–"
                                      for k in ("base_f", "custom_f")), str(row["support"]))
    console.print(table)


def register_step(textcat, ner) -> DemoModels:
    from myna.registry import client as models

    console.rule(markup("[bold]5. Register both models"))
    uris = []
    for name, result in (("demo-ner", ner), ("demo-textcat", textcat)):
        version = models.register(result.run_id, name).version
        models.set_alias(name, version, "production")
        uris.append(f"models:/{name}@production")
        console.print(markup("{} version {} → [bold]models:/{}@production[/]", name, version,
                             name))
    return DemoModels(ner_uri=uris[0], textcat_uri=uris[1])


def train_and_register(sample: Path, tickers: Path, companies: Path, out_dir: Path,
                       ) -> DemoModels:
    held_out = bootstrap_step(tickers, companies, out_dir)
    textcat, ner = train_step(sample, out_dir)
    compare_step(ner.model, held_out)
    return register_step(textcat, ner)
