"""Train a tokenizer with Hugging Face `tokenizers` (BPE, byte-level BPE, WordPiece, Unigram,
word-level), or build the book's whitespace tokenizer (chapter 4: words split on spaces, ids
in order of first appearance). The result is one ``tokenizer.json`` that `tokenizers` and
`transformers` (`PreTrainedTokenizerFast`) load."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from myna.core.atomic import atomic_path
from myna.core.errors import InputError

ALGOS = ("bpe", "bytelevel-bpe", "wordpiece", "unigram", "wordlevel", "whitespace")
SPECIAL_TOKENS = ("[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]")
NORMALIZERS = ("none", "nfc", "nfkc", "nfd", "nfkd")


def _normalizer(name: str, lowercase: bool) -> Any:
    from tokenizers import normalizers

    if name not in NORMALIZERS:
        raise InputError(f"--normalizer must be one of {', '.join(NORMALIZERS)}")
    steps = [] if name == "none" else [getattr(normalizers, name.upper())()]
    if lowercase:
        steps.append(normalizers.Lowercase())
    return normalizers.Sequence(steps) if steps else None


def _model_and_trainer(algo: str, vocab_size: int, min_frequency: int,
                       specials: list[str]) -> tuple[Any, Any]:
    """The tokenizer (model, pre-tokenizer, decoder) and its trainer. BPE and Unigram split on
    spaces kept as ``▁`` (SentencePiece's way) and byte-level BPE on bytes, so decoding gives
    the text back; WordPiece and word-level split off punctuation as BERT does."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    unk = specials[0] if specials else None
    common: dict[str, Any] = {"vocab_size": vocab_size, "special_tokens": specials,
                              "show_progress": False}
    if algo == "bpe":
        tok = Tokenizer(models.BPE(unk_token=unk))
        tok.pre_tokenizer, tok.decoder = pre_tokenizers.Metaspace(), decoders.Metaspace()
        return tok, trainers.BpeTrainer(min_frequency=min_frequency, **common)
    if algo == "bytelevel-bpe":
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        return tok, trainers.BpeTrainer(
            min_frequency=min_frequency,
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), **common)
    if algo == "wordpiece":
        tok = Tokenizer(models.WordPiece(unk_token=unk or "[UNK]"))
        tok.pre_tokenizer, tok.decoder = pre_tokenizers.BertPreTokenizer(), decoders.WordPiece()
        return tok, trainers.WordPieceTrainer(min_frequency=min_frequency, **common)
    if algo == "unigram":
        tok = Tokenizer(models.Unigram())
        tok.pre_tokenizer, tok.decoder = pre_tokenizers.Metaspace(), decoders.Metaspace()
        return tok, trainers.UnigramTrainer(unk_token=unk, **common)
    tok = Tokenizer(models.WordLevel(unk_token=unk or "[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    return tok, trainers.WordLevelTrainer(min_frequency=min_frequency, **common)


def whitespace_tokenizer(texts: Iterable[str], specials: list[str]) -> Any:
    """The book's tokenizer: split on whitespace, number words as they first appear (special
    tokens after the words, so "The quick brown fox …" is ids 0, 1, 2, …)."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab: dict[str, int] = {}
    for text in texts:
        for word in text.split():
            vocab.setdefault(word, len(vocab))
    if not vocab:
        raise InputError("the corpus has no text")
    for token in specials:
        vocab.setdefault(token, len(vocab))
    tok = Tokenizer(models.WordLevel(vocab, unk_token=specials[0] if specials else None))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.add_special_tokens(specials)
    return tok


def train_tokenizer(texts: Iterable[str], algo: str, vocab_size: int = 30_000,
                    min_frequency: int = 2, special_tokens: list[str] | None = None,
                    lowercase: bool = False, normalizer: str = "none") -> Any:
    if algo not in ALGOS:
        raise InputError(f"--algo must be one of {', '.join(ALGOS)}")
    specials = list(SPECIAL_TOKENS if special_tokens is None else special_tokens)
    if algo == "whitespace":
        tok = whitespace_tokenizer(texts, specials)
        tok.normalizer = _normalizer(normalizer, lowercase)
        return tok
    if vocab_size <= len(specials):
        raise InputError(f"--vocab-size {vocab_size} leaves no room beside the "
                         f"{len(specials)} special tokens")
    if min_frequency < 1:
        raise InputError("--min-frequency must be at least 1")
    tok, trainer = _model_and_trainer(algo, vocab_size, min_frequency, specials)
    tok.normalizer = _normalizer(normalizer, lowercase)
    seen = _Counting(texts)
    tok.train_from_iterator(seen, trainer=trainer)
    if not seen.count:
        raise InputError("the corpus has no text")
    return tok


class _Counting:
    """Passes texts through, counting them (an empty corpus trains an empty vocabulary)."""

    def __init__(self, texts: Iterable[str]):
        self.texts, self.count = texts, 0

    def __iter__(self):
        for text in self.texts:
            self.count += 1
            yield text


def save_tokenizer(tok: Any, path: Path) -> Path:
    """One ``tokenizer.json``, written whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        tok.save(str(tmp))
    return path


def load_tokenizer(ref: str | Path) -> Any:
    """A ``tokenizer.json`` file, a folder holding one (a transformers model's too), or a
    model reference whose files include one (the bundled MiniLM: ``minilm``)."""
    from tokenizers import Tokenizer

    path = Path(ref)
    if path.is_dir():
        path = path / "tokenizer.json"
    elif str(ref) == "minilm":
        from myna.models.resolver import resolve

        path = Path(resolve(None, "sentence-transformers").location) / "tokenizer.json"
    if not path.is_file():
        raise InputError("no tokenizer.json here", where=str(ref))
    try:
        return Tokenizer.from_file(str(path))
    except Exception as err:  # tokenizers raises a bare Exception for a bad file
        raise InputError(f"not a tokenizers file: {err}", where=str(path)) from None


def as_transformers(path: Path) -> Any:
    """The tokenizer as a `transformers` fast tokenizer, its special tokens named."""
    from transformers import PreTrainedTokenizerFast

    names = {"unk_token": "[UNK]", "cls_token": "[CLS]", "sep_token": "[SEP]",
             "pad_token": "[PAD]", "mask_token": "[MASK]"}
    vocab = load_tokenizer(path).get_vocab()
    return PreTrainedTokenizerFast(tokenizer_file=str(path),
                                   **{k: v for k, v in names.items() if v in vocab})
