"""Intrinsic scores of word vectors, each with its coverage: the Google analogy questions and
WordSim-353, both as gensim ships them. A score over 20% of the questions is not comparable
with one over 95% (gensim #1935), so the share answered is always reported beside it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from myna.core.errors import InputError
from myna.text.vectors import WordVectors


@dataclass
class VectorScores:
    analogy_accuracy: float  # over the questions whose four words the vectors know
    analogy_answered: int
    analogy_questions: int
    wordsim_spearman: float  # over the pairs whose two words the vectors know
    wordsim_pearson: float
    wordsim_answered: int
    wordsim_pairs: int

    @property
    def analogy_coverage(self) -> float:
        return self.analogy_answered / self.analogy_questions if self.analogy_questions else 0.0

    @property
    def wordsim_coverage(self) -> float:
        return self.wordsim_answered / self.wordsim_pairs if self.wordsim_pairs else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {**self.__dict__, "analogy_coverage": self.analogy_coverage,
                "wordsim_coverage": self.wordsim_coverage}


def bundled(name: str) -> Path:
    """gensim's copy of questions-words.txt or wordsim353.tsv."""
    from gensim.test.utils import datapath

    return Path(datapath(name))


def evaluate_vectors(vectors: WordVectors, analogies: Path | None = None,
                     pairs: Path | None = None, restrict_vocab: int = 300_000) -> VectorScores:
    """Both lookups ignore case, as the published figures do."""
    analogies = analogies or bundled("questions-words.txt")
    pairs = pairs or bundled("wordsim353.tsv")
    for path in (analogies, pairs):
        if not path.is_file():
            raise InputError("no such file", where=str(path))
    logging.getLogger("gensim").setLevel(logging.ERROR)
    kv = vectors.kv
    try:
        accuracy, sections = kv.evaluate_word_analogies(
            str(analogies), restrict_vocab=restrict_vocab, case_insensitive=True)
    except ValueError as err:
        raise InputError(f"not an analogy file (`: section` lines, then four words a line): "
                         f"{err}", where=str(analogies)) from None
    total = next((s for s in sections if s["section"] == "Total accuracy"), None)
    answered = len(total["correct"]) + len(total["incorrect"]) if total else 0
    questions = _count_questions(analogies)
    pair_count = _count_pairs(pairs)
    try:
        pearson, spearman, oov_percent = kv.evaluate_word_pairs(
            str(pairs), restrict_vocab=restrict_vocab, case_insensitive=True)
    except ValueError as err:
        if "out-of-vocabulary" not in str(err):
            raise InputError(f"not a word-pair file: {err}", where=str(pairs)) from None
        pearson, spearman, oov_percent = (0.0,), (0.0,), 100.0  # no pair is known
    pairs_answered = round(pair_count * (1 - oov_percent / 100))
    return VectorScores(
        analogy_accuracy=float(accuracy) if answered else 0.0, analogy_answered=answered,
        analogy_questions=questions,
        wordsim_spearman=_number(spearman[0]), wordsim_pearson=_number(pearson[0]),
        wordsim_answered=pairs_answered, wordsim_pairs=pair_count)


def _number(value: float) -> float:
    """scipy gives NaN when fewer than two pairs are known: report 0 with coverage 0."""
    return 0.0 if value != value else float(value)


def _count_questions(path: Path) -> int:
    with path.open(encoding="utf-8") as f:
        return sum(1 for line in f if line.strip() and not line.startswith(":"))


def _count_pairs(path: Path) -> int:
    with path.open(encoding="utf-8") as f:
        return sum(1 for line in f if line.strip() and not line.startswith("#"))


def markdown(name: str, scores: VectorScores) -> str:
    return (
        "| vectors | analogy accuracy | analogy coverage | WordSim-353 Spearman | "
        "WordSim coverage |\n|---|---:|---:|---:|---:|\n"
        f"| {name} | {100 * scores.analogy_accuracy:.1f}% | "
        f"{100 * scores.analogy_coverage:.1f}% ({scores.analogy_answered:,}/"
        f"{scores.analogy_questions:,}) | {scores.wordsim_spearman:.3f} | "
        f"{100 * scores.wordsim_coverage:.1f}% ({scores.wordsim_answered}/"
        f"{scores.wordsim_pairs}) |")
