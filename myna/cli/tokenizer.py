"""`myna tokenizer train|encode`: train a tokenizer on a corpus, and look at what it does."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

from myna.cli.corpus_options import COLUMN, CORPUS, MAX_MB, SAMPLE
from myna.core.console import console, err_console, progress_bar
from myna.core.errors import InputError

app = typer.Typer(help="Train and inspect tokenizers (Hugging Face `tokenizers`).",
                  no_args_is_help=True)


@app.command("train")
def train_command(
    corpus: list[Path] = CORPUS,
    out: Path = typer.Option(..., "--out", "-o", help="The tokenizer.json to write."),
    algo: str = typer.Option("bpe", "--algo", help="bpe, bytelevel-bpe, wordpiece, unigram, "
                                                   "wordlevel or whitespace (the book's)."),
    vocab_size: int = typer.Option(30_000, "--vocab-size"),
    min_frequency: int = typer.Option(2, "--min-frequency"),
    special_tokens: str = typer.Option("[UNK],[CLS],[SEP],[PAD],[MASK]", "--special-tokens",
                                       help="Comma list; the first is the unknown token."),
    lowercase: bool = typer.Option(False, "--lowercase"),
    normalizer: str = typer.Option("none", "--normalizer", help="none, nfc, nfkc, nfd, nfkd."),
    column: str | None = COLUMN, sample: float = SAMPLE, max_mb: float | None = MAX_MB,
) -> None:
    """Train a tokenizer; the result loads in `tokenizers` and `transformers`."""
    from myna.data.corpus import Corpus
    from myna.train.tokenizer import save_tokenizer, train_tokenizer

    texts = Corpus(corpus, column, sample, max_mb)
    specials = [t.strip() for t in special_tokens.split(",") if t.strip()]
    started = time.perf_counter()
    with progress_bar() as progress:
        bar = progress.add_task(f"read {algo}", total=texts.total_bytes, rate="")

        def reading():
            for n, text in enumerate(texts, start=1):
                if n % 2000 == 0:
                    seconds = max(time.perf_counter() - started, 1e-9)
                    progress.update(bar, completed=texts.bytes,
                                    rate=f"{texts.bytes / seconds / 1e6:.1f} MB/s")
                yield text
            progress.update(bar, completed=texts.total_bytes)

        tok = train_tokenizer(reading(), algo, vocab_size, min_frequency, specials, lowercase,
                              normalizer)
    save_tokenizer(tok, out)
    seconds = time.perf_counter() - started
    err_console.print(f"{algo}: {tok.get_vocab_size():,} tokens from {texts.texts:,} texts "
                      f"({texts.bytes / 1e6:.1f} MB, {texts.bytes / 1e6 / seconds:.2f} MB/s) "
                      f"→ {out}", highlight=False)


@app.command("encode")
def encode_command(
    args: list[str] = typer.Argument(..., metavar="[TOKENIZER] TEXT",
                                     help="A tokenizer.json, a folder with one, or minilm (the "
                                          "bundled encoder's), then the text; with --algo "
                                          "whitespace, the text only."),
    algo: str | None = typer.Option(None, "--algo", help="whitespace: build the book's "
                                                        "tokenizer from TEXT itself."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Tokens, ids and character offsets of TEXT."""
    from myna.train.tokenizer import load_tokenizer, whitespace_tokenizer

    if algo not in (None, "whitespace"):
        raise InputError("encode builds only --algo whitespace from the text; train others "
                         "with `myna tokenizer train`")
    if len(args) != (1 if algo else 2):
        raise InputError("give TOKENIZER TEXT, or --algo whitespace TEXT")
    tokenizer, text = (None, args[0]) if algo else (args[0], args[1])
    if not text.strip():
        raise InputError("the text is empty")
    tok = whitespace_tokenizer([text], []) if tokenizer is None else load_tokenizer(tokenizer)
    encoded = tok.encode(text)
    result = {"tokens": encoded.tokens, "ids": encoded.ids,
              "offsets": [list(o) for o in encoded.offsets]}
    if algo:
        result = {"vocab": {w: i for w, i in sorted(tok.get_vocab().items(),
                                                    key=lambda kv: kv[1])}, **result}
    if as_json:
        console.print(json.dumps(result, ensure_ascii=False), soft_wrap=True)
        return
    if algo:
        console.print(result["vocab"])
    console.print(result["ids"])
    for token, (start, end) in zip(encoded.tokens, encoded.offsets, strict=True):
        console.print(f"{start:>5}–{end:<5} {token}", highlight=False, markup=False)


@app.command("compare")
def compare_command(
    tokenizers: list[str] = typer.Argument(..., help="tokenizer.json files, folders with one, "
                                                     "or minilm."),
    corpus: Path = typer.Option(..., "--corpus", help="Texts to measure on (a text per line, "
                                                      "or a data file with --column)."),
    column: str | None = typer.Option(None, "--column", "-c"),
    max_texts: int = typer.Option(10_000, "--max-texts", min=1),
    report: Path | None = typer.Option(None, "--report", help="Write report.md, .html, .json "
                                                              "and a plot here."),
) -> None:
    """Vocabulary, pieces per word, unknown rate, words kept whole, round trips, speed."""
    from itertools import islice

    from rich.markdown import Markdown

    from myna.data.corpus import Corpus
    from myna.evaluate.tokenizers import markdown, measure, write_report
    from myna.train.tokenizer import load_tokenizer

    loaded = [(ref, load_tokenizer(ref)) for ref in tokenizers]  # a bad one stops here
    texts = list(islice(Corpus([corpus], column), max_texts))
    if not texts:
        raise InputError("the corpus has no text", where=str(corpus))
    rows = [measure(Path(ref).stem if ref != "minilm" else ref, tok, texts)
            for ref, tok in loaded]
    console.print(Markdown(markdown(rows, corpus.name)))
    if report is not None:
        written = write_report(rows, corpus.name, report)
        err_console.print(f"report → {written[1]}", highlight=False)
