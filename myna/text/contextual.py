"""A word's vector in context (the encoder's last hidden states over its word pieces) beside
its static one (the encoder's input embedding of the same pieces, the same in every sentence):
the book's chapter 8 contrast of "rob a bank" and "river bank"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from myna.core.errors import InputError


@dataclass
class WordInContext:
    sentence: str
    word: str
    start: int  # character offsets of the word in the sentence
    end: int
    pieces: list[str]
    contextual: np.ndarray  # mean of the pieces' last-layer states
    static: np.ndarray  # mean of the pieces' input embeddings


def occurrences(sentence: str, word: str) -> list[tuple[int, int]]:
    """Whole-word matches, ignoring case."""
    if not word.strip():
        raise InputError("--word is empty")
    pattern = re.compile(rf"(?<!\w){re.escape(word.strip())}(?!\w)", re.IGNORECASE)
    return [(m.start(), m.end()) for m in pattern.finditer(sentence)]


def word_in_context(sentences: list[str], word: str, encoder: str | None = None,
                    ) -> list[WordInContext]:
    """Every occurrence of ``word`` in every sentence; a sentence without it is an error that
    names the sentence."""
    import torch

    from myna.text.encoders import load_sentence_encoder

    model = load_sentence_encoder(encoder)
    transformer: Any = model[0].auto_model
    tokenizer = model.tokenizer
    table = transformer.get_input_embeddings().weight.detach()
    found = []
    for number, sentence in enumerate(sentences, start=1):
        spans = occurrences(sentence, word)
        if not spans:
            raise InputError(f"{word!r} does not occur in it", where=f"sentence {number}")
        batch = tokenizer(sentence, return_offsets_mapping=True, return_tensors="pt",
                          truncation=True)
        offsets = batch.pop("offset_mapping")[0].tolist()
        with torch.inference_mode():
            states = transformer(**batch).last_hidden_state[0]
        ids = batch["input_ids"][0]
        for start, end in spans:
            rows = [i for i, (s, e) in enumerate(offsets) if e > s and s >= start and e <= end]
            if not rows:
                raise InputError("the word lies past the encoder's length limit",
                                 where=f"sentence {number}")
            found.append(WordInContext(
                sentence, sentence[start:end], start, end,
                tokenizer.convert_ids_to_tokens(ids[rows].tolist()),
                states[rows].mean(0).float().numpy(), table[ids[rows]].mean(0).float().numpy()))
    return found


def similarity_matrix(vectors: list[np.ndarray]) -> np.ndarray:
    stacked = np.stack(vectors).astype(np.float64)
    stacked /= np.maximum(np.linalg.norm(stacked, axis=1, keepdims=True), 1e-12)
    return stacked @ stacked.T
