"""Feed spaCy tokens to a Hugging Face token classifier and read one tag back per token.

The transformer sees each spaCy token as a "word" (``is_split_into_words``), so its predictions
line up with spaCy's tokens and spans never straddle a token boundary. Texts longer than the
model's window are cut into chunks at word boundaries instead of being truncated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

OUTSIDE = "O"


@dataclass
class Chunk:
    doc: int  # index of the text the chunk came from
    offset: int  # index of the chunk's first word in that text
    words: list[str]


def chunk_words(tokenizer, texts: Sequence[Sequence[str]], max_length: int) -> list[Chunk]:
    """Split every text's words into runs whose sub-words fit ``max_length`` with the special
    tokens. A single word longer than the window gets a chunk of its own (and is truncated)."""
    budget = max(1, max_length - tokenizer.num_special_tokens_to_add())
    chunks: list[Chunk] = []
    for i, words in enumerate(texts):
        if not words:
            continue
        counts = _subword_counts(tokenizer, list(words))
        start, used = 0, 0
        for k, n in enumerate(counts):
            if used + n > budget and k > start:
                chunks.append(Chunk(i, start, list(words[start:k])))
                start, used = k, 0
            used += n
        chunks.append(Chunk(i, start, list(words[start:])))
    return chunks


def _subword_counts(tokenizer, words: list[str]) -> list[int]:
    enc = tokenizer(words, is_split_into_words=True, add_special_tokens=False)
    counts = [0] * len(words)
    for w in enc.word_ids():
        if w is not None:
            counts[w] += 1
    return counts


def encode_chunks(tokenizer, chunks: list[Chunk], max_length: int, padding: bool = False):
    return tokenizer([c.words for c in chunks], is_split_into_words=True, truncation=True,
                     max_length=max_length, padding=padding,
                     return_tensors="pt" if padding else None)


def first_subword_positions(word_ids: list[int | None]) -> dict[int, int]:
    """Word index → position of its first sub-word (words with no sub-words are absent)."""
    positions: dict[int, int] = {}
    for pos, w in enumerate(word_ids):
        if w is not None and w not in positions:
            positions[w] = pos
    return positions


def tags_to_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """Token spans (start, end, label) from BIO tags, reading a stray ``I-X`` as a start."""
    spans: list[tuple[int, int, str]] = []
    start, label = None, None
    for i, tag in enumerate([*tags, OUTSIDE]):
        prefix, _, kind = tag.partition("-")
        continues = prefix == "I" and kind == label
        if start is not None and not continues:
            spans.append((start, i, label or kind))
            start, label = None, None
        if prefix in ("B", "I") and not continues:
            start, label = i, kind
    return spans


def bio_tags(labels: Sequence[str]) -> list[str]:
    return [OUTSIDE] + [f"{p}-{label}" for label in labels for p in ("B", "I")]
