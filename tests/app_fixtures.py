"""Data and models the app tests build themselves: a news CSV, a TICKER entity-ruler pipeline
(the "custom" NER model) and a trained, registered Sports/Business classifier."""

from __future__ import annotations

import csv
import random
from pathlib import Path

SPORT = ["The team won the match", "A striker scored twice", "Fans cheered the late goal"]
BUSINESS = ["Shares of Oracle (Nasdaq: ORCL) fell", "Apple raised its dividend",
            "Investors sold Boeing (NYSE: BA) stock"]


def write_news_csv(path: Path, rows: int = 40, seed: int = 0) -> Path:
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["category", "title", "description"])
        for i in range(rows):
            category = "Sports" if i % 2 else "Business"
            text = rng.choice(SPORT if category == "Sports" else BUSINESS)
            w.writerow([category, f"{category} story {i + 1}", f"{text} in London on day {i}."])
    return path


def ticker_pipeline(path: Path) -> Path:
    """A blank English pipeline whose entity ruler finds tickers: a real spaCy model folder."""
    import spacy

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "TICKER", "pattern": t} for t in ("ORCL", "BA", "AAPL")])
    nlp.to_disk(path)
    return path


def registered_classifier(tmp_path: Path, name: str = "news-cat") -> str:
    """Train a small classifier with `myna train` (an MLflow run) and register it; returns
    its ``models:/NAME@production`` URI."""
    from myna.registry import client as models
    from myna.train.runner import TrainSpec, train

    data = tmp_path / "train.csv"
    rng = random.Random(1)
    with open(data, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        for i in range(40):
            w.writerow([f"{rng.choice(SPORT)} on day {i}.", "Sports"])
            w.writerow([f"{rng.choice(BUSINESS)} on day {i}.", "Business"])
    result = train(TrainSpec(task="textcat", source=data, output=tmp_path / "textcat",
                             label_column="label", epochs=4))
    version = models.register(result.run_id, name).version
    models.set_alias(name, version, "production")
    return f"models:/{name}@production"


def small_index(tmp_path: Path, myna) -> Path:
    """A three-entry index (MiniLM) with a ``category`` metadata column, built by the CLI."""
    corpus = tmp_path / "corpus.csv"
    corpus.write_text("id,text,category\n"
                      "a,Stocks fell sharply on Wall Street.,Business\n"
                      "b,The striker scored twice in the football final.,Sports\n"
                      "c,The goalkeeper saved a penalty in extra time.,Sports\n")
    index = tmp_path / "idx"
    r = myna("index", "build", corpus, "--id-column", "id", "--meta-columns", "category",
             "--out", index)
    assert r.code == 0, r.err
    return index
