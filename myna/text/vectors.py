"""Static word vectors and the questions users ask of them (neighbours, similarity, analogy).

A vectors reference is a folder `myna vectors train` writes (gensim's ``vectors.kv`` and a
``meta.json`` saying how they were trained), a gensim ``.kv`` file, or a word2vec/GloVe text
file (``.txt``, ``.vec``, optionally gzipped; GloVe's has no header line). fastText vectors
keep their character n-grams, so they answer for words they never saw; word2vec's do not.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from myna.core.errors import InputError

KV_FILE = "vectors.kv"
META_FILE = "meta.json"
TEXT_SUFFIXES = (".txt", ".vec", ".txt.gz", ".vec.gz")


@dataclass
class WordVectors:
    kv: Any  # gensim KeyedVectors (FastTextKeyedVectors for fastText)
    source: str
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def dim(self) -> int:
        return int(self.kv.vector_size)

    @property
    def words(self) -> int:
        return len(self.kv.index_to_key)

    @property
    def subwords(self) -> bool:
        """Vectors for unseen words from character n-grams (fastText)."""
        return int(getattr(self.kv, "bucket", 0) or 0) > 0

    def known(self, word: str) -> bool:
        return word in self.kv.key_to_index

    def vector(self, word: str) -> np.ndarray:
        if not word.strip():
            raise InputError("the word is empty")
        if self.known(word) or self.subwords:
            return np.asarray(self.kv[word], dtype=np.float32)
        raise InputError(f"{word!r} is not in the vocabulary ({self.words:,} words)",
                         where=self.source,
                         hint="word2vec has no vector for a word it never saw (or saw fewer "
                              "than --min-count times); fastText builds one from character "
                              "n-grams")

    def neighbors(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        query = self.vector(word)
        hits = self.kv.similar_by_vector(query, topn=k + 1)
        return [(w, float(s)) for w, s in hits if w != word][:k]

    def similarity(self, a: str, b: str) -> float:
        return cosine(self.vector(a), self.vector(b))

    def analogy(self, a: str, b: str, c: str, k: int = 5) -> list[tuple[str, float]]:
        """A is to B as C is to ?: the words nearest B − A + C (3CosAdd), the three left out."""
        for word in (a, b, c):
            self.vector(word)  # an unknown word is named before anything is computed
        hits = self.kv.most_similar(positive=[b, c], negative=[a], topn=k + 3)
        asked = {a, b, c}
        return [(w, float(s)) for w, s in hits if w not in asked][:k]


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b) / norm) if norm else 0.0


def save_vectors(kv: Any, meta: dict[str, Any], folder: Path) -> Path:
    """The folder is written whole or not at all (an old one stays until the new one is in)."""
    from myna.core.atomic import atomic_dir

    with atomic_dir(folder) as tmp:
        kv.save(str(tmp / KV_FILE))
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False))
    return folder


def load_vectors(ref: str | Path) -> WordVectors:
    path = Path(ref).expanduser()
    if not path.exists():
        raise InputError("no such vectors folder or file", where=str(ref))
    meta: dict[str, Any] = {}
    if path.is_dir():
        if not (path / KV_FILE).is_file():
            raise InputError(f"no {KV_FILE} here: not a folder `myna vectors train` wrote",
                             where=str(path))
        if (path / META_FILE).is_file():
            meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
        return WordVectors(_load_kv(path / KV_FILE), str(path), meta)
    if path.name.endswith(TEXT_SUFFIXES):
        return WordVectors(_load_text(path), str(path), {"format": "word2vec-text"})
    return WordVectors(_load_kv(path), str(path))


def _load_kv(path: Path) -> Any:
    from gensim.models import KeyedVectors

    try:
        return KeyedVectors.load(str(path))
    except Exception as err:  # gensim unpickles: any failure means "not its file"
        raise InputError(f"not gensim KeyedVectors ({type(err).__name__}: {err})",
                         where=str(path),
                         hint=f"give a folder from `myna vectors train`, or a word2vec/GloVe "
                              f"text file ({', '.join(TEXT_SUFFIXES)})") from None


def _load_text(path: Path) -> Any:
    """Read here rather than with gensim's reader, which pads a short row without a word:
    a row of the wrong width names its line."""
    from gensim.models import KeyedVectors

    opener = gzip.open if path.name.endswith(".gz") else open
    words: list[str] = []
    rows: list[np.ndarray] = []
    dim = None
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, start=1):
            parts = line.rstrip("\n").rstrip().split(" ")
            if number == 1 and len(parts) == 2 and all(p.isdigit() for p in parts):
                dim = int(parts[1])  # word2vec's "count dim" header
                continue
            if not line.strip():
                continue
            dim = dim or len(parts) - 1
            if len(parts) - 1 != dim or dim < 1:
                raise InputError(f"{len(parts) - 1} numbers after the word, expected {dim}",
                                 where=f"{path}:{number}")
            try:
                rows.append(np.asarray(parts[1:], dtype=np.float32))
            except ValueError:
                raise InputError("a value after the word is not a number",
                                 where=f"{path}:{number}") from None
            words.append(parts[0])
    if not rows or dim is None:
        raise InputError("no vectors in the file", where=str(path))
    kv = KeyedVectors(dim)
    kv.add_vectors(words, np.stack(rows))
    return kv
