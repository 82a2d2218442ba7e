"""Synthetic Sports/Business news, to sample i.i.d. batches and shifted ones from."""

from __future__ import annotations

import csv
import random
from pathlib import Path

PARTS = {
    "Sports": (["The striker", "The coach", "The home team", "The goalkeeper", "The captain",
                "Fans of the club", "The young forward"],
               ["celebrated", "lost", "won", "praised", "dominated", "missed"],
               ["the league final", "a late goal", "the cup match", "the title race",
                "the season opener", "the derby", "extra time"]),
    "Business": (["The bank", "Investors", "The company", "Shares of the carmaker",
                  "The chip maker", "The retailer", "Analysts"],
                 ["raised", "cut", "reported", "sold", "forecast", "doubled"],
                 ["quarterly profits", "interest rates", "its stock", "hundreds of jobs",
                  "annual revenue", "its dividend", "the outlook"]),
}


def news(n: int, seed: int, topics: tuple[str, ...] = ("Sports", "Business")) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        subjects, verbs, objects = PARTS[rng.choice(topics)]
        texts.append(f"{rng.choice(subjects)} {rng.choice(verbs)} {rng.choice(objects)}"
                     f"{rng.choice(['.', ' on Sunday.', ' this week.', ', reports said.'])}")
    return texts


def write_csv(path: Path, texts: list[str]) -> Path:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text"])
        writer.writerows([t] for t in texts)
    return path


def write_labelled_csv(path: Path, per_topic: int, seed: int = 0) -> Path:
    """``text,label`` rows, ``per_topic`` of each topic."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        for k, topic in enumerate(PARTS):
            writer.writerows([t, topic] for t in news(per_topic, seed + k, topics=(topic,)))
    return path
