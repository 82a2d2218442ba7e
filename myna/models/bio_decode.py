"""Read one BIO tag per word from a token classifier's scores.

``greedy`` takes each word's best tag on its own (a stray ``I-X`` after ``O`` is then read as a
start). ``viterbi`` takes the best sequence among the valid ones: ``I-X`` only after ``B-X`` or
``I-X``, never first. The model's scores are the same; only the reading changes, so a saved
model can be read either way (the component's ``decode`` setting).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DECODERS = ("greedy", "viterbi")


def check_decoder(name: str) -> str:
    if name not in DECODERS:
        raise ValueError(f"unknown BIO decoding {name!r}; choose one of {', '.join(DECODERS)}")
    return name


def allowed_transitions(tags: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(tags,) may-start and (tags, tags) may-follow masks: ``I-X`` continues ``B-X``/``I-X``."""
    kinds = [tag.partition("-") for tag in tags]
    starts = np.array([prefix != "I" for prefix, _, _ in kinds])
    follows = np.ones((len(tags), len(tags)), bool)
    for j, (prefix, _, kind) in enumerate(kinds):
        if prefix == "I":
            follows[:, j] = [p in ("B", "I") and k == kind for p, _, k in kinds]
    return starts, follows


def log_softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))


def viterbi(scores: np.ndarray, starts: np.ndarray, follows: np.ndarray) -> list[int]:
    """The highest-scoring valid tag sequence for (words, tags) log-probabilities."""
    if len(scores) == 0:
        return []
    blocked = np.where(follows, 0.0, -np.inf)
    best = np.where(starts, scores[0], -np.inf)
    back = np.zeros(scores.shape, dtype=np.int64)
    for i in range(1, len(scores)):
        paths = best[:, None] + blocked  # (from, to)
        back[i] = paths.argmax(0)
        best = paths.max(0) + scores[i]
    path = [int(best.argmax())]
    for i in range(len(scores) - 1, 0, -1):
        path.append(int(back[i, path[-1]]))
    return path[::-1]


def decode(scores: np.ndarray, tags: Sequence[str], how: str = "greedy") -> list[int]:
    """Tag ids for one run of words, from their (words, tags) scores (logits)."""
    if how == "greedy" or len(scores) == 0:
        return scores.argmax(-1).tolist()
    starts, follows = allowed_transitions(tags)
    return viterbi(log_softmax(scores.astype(np.float64)), starts, follows)
