"""The benchmarks' unlabelled corpus: all text in ../shared/data, one text a line: AG News
descriptions (and dev titles), CoNLL-2003 training and dev sentences, WikiText-2 valid and
test paragraphs (heading lines dropped). ``with_dev=False`` leaves out both dev files."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from common import OUT, require_shared


def _ag_news(name: str) -> Iterator[str]:
    with open(require_shared("ag_news", name), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for column in ("title", "description"):
                if row.get(column, "").strip():
                    yield row[column].strip()


def _conll(name: str) -> Iterator[str]:
    words: list[str] = []
    with open(require_shared("conll2003", name), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                words.append(line.split()[0])
            elif words:
                yield " ".join(words)
                words = []
    if words:
        yield " ".join(words)


def _wikitext(name: str) -> Iterator[str]:
    with open(require_shared("wikitext-2", name), encoding="utf-8") as f:
        for line in f:
            text = line.strip()
            if text and not text.startswith("="):
                yield text


def write_corpus(with_dev: bool = True) -> Path:
    path = OUT / ("corpus_all.txt" if with_dev else "corpus_no_dev.txt")
    OUT.mkdir(parents=True, exist_ok=True)
    parts = [_ag_news("train.csv"), _conll("train.txt"), _wikitext("valid.txt"),
             _wikitext("test.txt")]
    if with_dev:
        parts += [_ag_news("dev.csv"), _conll("dev.txt")]
    with path.open("w", encoding="utf-8") as f:
        for texts in parts:
            for text in texts:
                f.write(" ".join(text.split()) + "\n")
    return path
