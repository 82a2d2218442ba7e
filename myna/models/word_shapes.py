"""Word shapes (spaCy's: ``Apple`` → ``Xxxxx``, ``IBM`` → ``XXX``, ``1996`` → ``dddd``) as ids
for a token classifier: the casing an uncased sub-word encoder cannot see.

Id 0 pads (special tokens, padding); id 1 is a shape training never saw.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

PAD, UNKNOWN = 0, 1
SHAPES_FILE = "word_shapes.json"


def shape_of(word: str) -> str:
    from spacy.lang.lex_attrs import word_shape

    return word_shape(word)


class ShapeVocab:
    """The shapes seen at least ``min_count`` times in training, each with its id."""

    def __init__(self, shapes: Sequence[str], dim: int):
        self.shapes = list(shapes)
        self.dim = dim
        self._ids = {shape: i for i, shape in enumerate(self.shapes, start=2)}

    @classmethod
    def build(cls, texts: Iterable[Sequence[str]], dim: int, min_count: int = 2) -> ShapeVocab:
        counts = Counter(shape_of(w) for words in texts for w in words)
        return cls(sorted(s for s, n in counts.items() if n >= min_count), dim)

    def __len__(self) -> int:
        """Rows of the embedding table (padding and unknown included)."""
        return len(self.shapes) + 2

    def word_ids(self, words: Sequence[str]) -> list[int]:
        return [self._ids.get(shape_of(w), UNKNOWN) for w in words]

    def subword_ids(self, words: Sequence[str], word_ids: Sequence[int | None]) -> list[int]:
        """One id per sub-word position: its word's shape (padding for special tokens)."""
        per_word = self.word_ids(words)
        return [PAD if w is None else per_word[w] for w in word_ids]

    def save(self, folder: Path) -> None:
        (Path(folder) / SHAPES_FILE).write_text(json.dumps({"dim": self.dim,
                                                            "shapes": self.shapes}))

    @classmethod
    def load(cls, folder: Path) -> ShapeVocab | None:
        path = Path(folder) / SHAPES_FILE
        if not path.is_file():
            return None
        saved = json.loads(path.read_text())
        return cls(saved["shapes"], int(saved["dim"]))
