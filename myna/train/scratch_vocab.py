"""Token ids for the from-scratch models: a word vocabulary built from the training texts
(spaCy's English tokenizer, lower-cased, words seen at least twice) or a tokenizer from
`myna tokenizer train` (``--tokenizer``), which must have a ``[PAD]`` token."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from myna.core.errors import InputError

PAD, UNK, EOS = "[PAD]", "[UNK]", "[EOS]"  # EOS ends each text in a language model's stream
WORDS_FILE = "words.json"
TOKENIZER_FILE = "tokenizer.json"


class TokenIds:
    kind = ""
    pad_id = 0
    eos_id = 0
    unk_id = 0

    @property
    def size(self) -> int:
        raise NotImplementedError

    def encode(self, texts: list[str], max_len: int) -> list[list[int]]:
        raise NotImplementedError

    def encode_docs(self, docs: list[Any], max_len: int) -> list[list[int]]:
        """Ids of spaCy Docs the pipeline has already tokenised."""
        return self.encode([doc.text for doc in docs], max_len)

    def save(self, folder: Path) -> None:
        raise NotImplementedError

    def token_of(self, index: int) -> str:
        raise NotImplementedError

    def decode(self, ids: list[int]) -> str:
        raise NotImplementedError


class WordIds(TokenIds):
    kind = "words"

    def __init__(self, words: list[str]):
        self.words = words
        self.index = {w: i for i, w in enumerate(words)}
        self._tokenizer: Any = None
        self.unk_id = self.index[UNK]
        self.eos_id = self.index.get(EOS, self.unk_id)

    @classmethod
    def build(cls, texts: Iterable[str], min_count: int = 2, max_words: int = 50_000,
              ) -> WordIds:
        counts = Counter(w for words in _words(texts) for w in words)
        kept = [w for w, n in counts.most_common(max_words) if n >= min_count]
        return cls([PAD, UNK, EOS, *kept])

    @property
    def size(self) -> int:
        return len(self.words)

    def encode(self, texts: list[str], max_len: int) -> list[list[int]]:
        if self._tokenizer is None:  # made once: a blank pipeline takes ~70 ms to build
            self._tokenizer = _tokenizer()
        return self._ids(_words(texts, self._tokenizer), max_len)

    def encode_docs(self, docs: list[Any], max_len: int) -> list[list[int]]:
        """The Docs' own tokens (the pipeline's tokenizer is the one the words came from)."""
        return self._ids((_doc_words(doc) for doc in docs), max_len)

    def _ids(self, word_lists: Iterable[list[str]], max_len: int) -> list[list[int]]:
        return [[self.index.get(w, self.unk_id) for w in words[:max_len]] or [self.unk_id]
                for words in word_lists]

    def token_of(self, index: int) -> str:
        return self.words[index]

    def decode(self, ids: list[int]) -> str:
        return " ".join(self.words[i] for i in ids)

    def save(self, folder: Path) -> None:
        (folder / WORDS_FILE).write_text(json.dumps(self.words, ensure_ascii=False))


def _tokenizer() -> Any:
    import spacy

    return spacy.blank("en").tokenizer


def _words(texts: Iterable[str], tokenizer: Any = None) -> Iterable[list[str]]:
    tokenizer = tokenizer or _tokenizer()
    for doc in tokenizer.pipe(texts, batch_size=1000):
        yield _doc_words(doc)


def _doc_words(doc: Any) -> list[str]:
    return [t.lower_ for t in doc if not t.is_space]


class TokenizerIds(TokenIds):
    kind = "tokenizer"

    def __init__(self, tokenizer: Any):
        pad = tokenizer.get_vocab().get(PAD)
        if pad is None:
            raise InputError(f"the tokenizer has no {PAD} token to pad batches with; train "
                             f"one with `myna tokenizer train` (its default special tokens "
                             f"include it)", where="--tokenizer")
        self.pad_id = int(pad)
        vocab = tokenizer.get_vocab()
        self.unk_id = int(vocab.get(UNK, self.pad_id))
        self.eos_id = int(next((vocab[t] for t in ("[SEP]", "</s>", "[EOS]") if t in vocab),
                               self.pad_id))
        self.tokenizer = tokenizer
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()

    @property
    def size(self) -> int:
        return int(self.tokenizer.get_vocab_size())

    def encode(self, texts: list[str], max_len: int) -> list[list[int]]:
        return [e.ids[:max_len] or [self.pad_id] for e in self.tokenizer.encode_batch(texts)]

    def token_of(self, index: int) -> str:
        return str(self.tokenizer.id_to_token(index))

    def decode(self, ids: list[int]) -> str:
        return str(self.tokenizer.decode(ids))

    def save(self, folder: Path) -> None:
        self.tokenizer.save(str(folder / TOKENIZER_FILE))


def load_ids(folder: Path) -> TokenIds:
    if (folder / TOKENIZER_FILE).is_file():
        from tokenizers import Tokenizer

        return TokenizerIds(Tokenizer.from_file(str(folder / TOKENIZER_FILE)))
    return WordIds(json.loads((folder / WORDS_FILE).read_text(encoding="utf-8")))
