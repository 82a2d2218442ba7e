"""Train static word vectors with gensim: word2vec (CBOW, skip-gram) or fastText.

The corpus is streamed once through spaCy's English tokenizer into a file of one tokenised
text per line (the same words `myna train` sees, so the vectors line up with spaCy tokens);
gensim then trains from that file (its ``corpus_file`` mode, which spreads over every core
and never holds the corpus in memory).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from myna.core.errors import InputError

ALGOS = ("word2vec-cbow", "word2vec-skipgram", "fasttext")
TOKENIZER = "spacy-en"  # spacy.blank("en")'s tokenizer


@dataclass
class VectorSettings:
    algo: str = "fasttext"
    dim: int = 100
    window: int = 5
    min_count: int = 5
    epochs: int = 5
    workers: int = 0  # 0: every core
    lowercase: bool = False
    seed: int = 0
    min_n: int = 3  # fastText's character n-gram lengths
    max_n: int = 6
    buckets: int = 200_000  # fastText's n-gram hash rows (its own default, 2M, is 800 MB at
    # 100 dimensions; a corpus of a few million words does not need them)

    def __post_init__(self) -> None:
        if self.algo not in ALGOS:
            raise InputError(f"--algo must be one of {', '.join(ALGOS)} (got {self.algo!r})")
        for name in ("dim", "window", "min_count", "epochs"):
            if getattr(self, name) < 1:
                raise InputError(f"--{name.replace('_', '-')} must be at least 1")
        if self.buckets < 1000:
            raise InputError("--buckets must be at least 1,000")
        if not 1 <= self.min_n <= self.max_n:
            raise InputError("character n-grams need 1 ≤ min-n ≤ max-n")
        if self.workers <= 0:
            self.workers = os.cpu_count() or 1


@dataclass
class TokenizedCorpus:
    path: Path
    texts: int
    words: int


def write_sentences(texts: Iterable[str], out: Path, lowercase: bool = False,
                    on_text: Callable[[int], None] | None = None) -> TokenizedCorpus:
    """One line of space-separated tokens per text (gensim's LineSentence format)."""
    import spacy

    tokenizer: Any = spacy.blank("en").tokenizer
    count = words = 0
    with out.open("w", encoding="utf-8") as f:
        for doc in tokenizer.pipe(texts, batch_size=1000):
            tokens = [w for t in doc if not t.is_space for w in t.text.split()]
            if lowercase:
                tokens = [w.lower() for w in tokens]
            count += 1
            if tokens:
                f.write(" ".join(tokens) + "\n")
                words += len(tokens)
            if on_text is not None:
                on_text(count)
    if not words:
        raise InputError("the corpus has no words")
    return TokenizedCorpus(out, count, words)


def train_vectors(corpus: TokenizedCorpus, settings: VectorSettings,
                  on_epoch: Callable[[int], None] | None = None) -> Any:
    """gensim KeyedVectors (FastTextKeyedVectors for fastText, n-grams included)."""
    from gensim.models import FastText, Word2Vec
    from gensim.models.callbacks import CallbackAny2Vec

    class EpochDone(CallbackAny2Vec):
        def __init__(self) -> None:
            self.epoch = 0

        def on_epoch_end(self, model: Any) -> None:
            self.epoch += 1
            if on_epoch is not None:
                on_epoch(self.epoch)

    common = {"vector_size": settings.dim, "window": settings.window,
              "min_count": settings.min_count, "workers": settings.workers,
              "seed": settings.seed}
    if settings.algo == "fasttext":
        model: Any = FastText(min_n=settings.min_n, max_n=settings.max_n,
                              bucket=settings.buckets, **common)
    else:
        model = Word2Vec(sg=int(settings.algo == "word2vec-skipgram"), **common)
    model.build_vocab(corpus_file=str(corpus.path))
    if not model.wv.index_to_key:
        raise InputError(f"no word occurs --min-count {settings.min_count} times in the "
                         f"corpus ({corpus.words:,} words)", hint="lower --min-count")
    model.train(corpus_file=str(corpus.path), total_words=model.corpus_total_words,
                total_examples=model.corpus_count, epochs=settings.epochs,
                callbacks=[EpochDone()])
    return model.wv


def describe(settings: VectorSettings, corpus: TokenizedCorpus, sources: dict[str, Any],
             vocabulary: int, tokenize_s: float, train_s: float) -> dict[str, Any]:
    """What meta.json records: how the vectors were made, from what, and how fast."""
    import gensim

    return {
        **asdict(settings), "tokenizer": TOKENIZER, "corpus": sources,
        "texts": corpus.texts, "corpus_words": corpus.words, "vocabulary": vocabulary,
        "tokenize_seconds": round(tokenize_s, 2), "train_seconds": round(train_s, 2),
        "words_per_second": round(corpus.words * settings.epochs / max(train_s, 1e-9)),
        "gensim": gensim.__version__, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
