"""`myna lm train|generate|evaluate`: language models from scratch (LSTM or transformer) on a
corpus, their perplexity on held-out text, and text sampled from them."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

from myna.cli.corpus_options import COLUMN, CORPUS, MAX_MB, SAMPLE
from myna.core.console import console, err_console, progress_bar
from myna.core.errors import InputError

app = typer.Typer(help="Train language models from scratch, score and sample them.",
                  no_args_is_help=True)


@app.command("train")
def train_command(
    corpus: list[Path] = CORPUS,
    out: Path = typer.Option(..., "--out", "-o", help="The language model folder to write."),
    arch: str = typer.Option("lstm", "--arch", help="lstm or transformer."),
    tokenizer: str | None = typer.Option(None, "--tokenizer", help="A tokenizer from `myna "
                                         "tokenizer train` (default: the corpus's words)."),
    epochs: int = typer.Option(5, "--epochs", min=1),
    seq_len: int = typer.Option(64, "--seq-len", min=4),
    batch_size: int = typer.Option(32, "--batch-size", min=1),
    embed_dim: int = typer.Option(128, "--embed-dim", min=4),
    hidden: int = typer.Option(256, "--hidden", min=4),
    layers: int = typer.Option(2, "--layers", min=1),
    learn_rate: float | None = typer.Option(None, "--learn-rate"),
    max_minutes: float | None = typer.Option(None, "--max-minutes"),
    seed: int = typer.Option(0, "--seed"),
    device: str | None = typer.Option(None, "--device", help="auto, cpu, cuda or cuda:N."),
    precision: str | None = typer.Option(None, "--precision", help="auto, fp32, fp16, bf16 "
                                         "(mixed: GPU only)."),
    column: str | None = COLUMN, sample: float = SAMPLE, max_mb: float | None = MAX_MB,
) -> None:
    """Train; each epoch reports loss, next-token accuracy and perplexity on held-out text."""
    from myna.data.corpus import Corpus
    from myna.nn.language_models import LM_ARCHS
    from myna.train.lm import LMSettings, save_lm, train_lm
    from myna.train.scratch_vocab import TokenIds, TokenizerIds, WordIds

    if arch not in LM_ARCHS:
        raise InputError(f"must be one of {', '.join(LM_ARCHS)} (got {arch!r})", where="--arch")
    texts = Corpus(corpus, column, sample, max_mb, seed)
    ids: TokenIds
    if tokenizer:
        from myna.train.tokenizer import load_tokenizer

        ids = TokenizerIds(load_tokenizer(tokenizer))
    else:
        ids = WordIds.build(texts, max_words=30_000)
    settings = LMSettings(arch, epochs, seq_len, batch_size, learn_rate, embed_dim, hidden,
                          layers, seed=seed, max_minutes=max_minutes, device=device,
                          precision=precision)
    started = time.perf_counter()
    with progress_bar() as progress:
        bar = progress.add_task(f"train {arch} LM", total=None, rate="")

        def on_step(step: int, total: int) -> None:
            progress.update(bar, completed=step, total=total)

        def on_epoch(entry: dict) -> None:
            progress.update(bar, rate=f"epoch {entry['epoch'] + 1} · perplexity "
                                      f"{entry['perplexity']:.1f}")
            err_console.print(f"epoch {entry['epoch'] + 1}: train loss "
                              f"{entry['train_loss']:.3f} · valid loss {entry['valid_loss']:.3f}"
                              f" · accuracy {entry['accuracy']:.3f} · perplexity "
                              f"{entry['perplexity']:.1f}", highlight=False)

        lm = train_lm(texts, settings, ids, on_epoch, on_step)
    meta = {"corpus": [str(p) for p in corpus], "column": column, "tokens": ids.kind,
            "seconds": round(time.perf_counter() - started, 1)}
    save_lm(lm, out, meta)
    err_console.print(f"{arch} language model ({ids.size:,} tokens in its vocabulary) → {out}",
                      highlight=False)


@app.command("generate")
def generate_command(
    model: str = typer.Argument(..., help="A folder from `myna lm train`."),
    prompt: str = typer.Argument(...),
    words: int = typer.Option(40, "--words", min=1, max=2000),
    temperature: float = typer.Option(0.75, "--temperature", min=0.0),
    seed: int = typer.Option(1, "--seed"),
    greedy: bool = typer.Option(False, "--greedy", help="The most likely token each step."),
) -> None:
    """Continue PROMPT: the same seed gives the same text; temperature 0 is --greedy."""
    from myna.train.lm import generate, load_lm

    if not prompt.strip():
        raise InputError("the prompt is empty")
    console.print(generate(load_lm(model), prompt, words, temperature, seed, greedy),
                  highlight=False, markup=False, soft_wrap=True)


@app.command("evaluate")
def evaluate_command(
    model: str = typer.Argument(...),
    data: Path = typer.Argument(..., help="Text (a text per line) or a data file with "
                                          "--column."),
    column: str | None = COLUMN,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Perplexity of the model on held-out text."""
    from myna.data.corpus import Corpus
    from myna.train.lm import load_lm, perplexity

    value, tokens = perplexity(load_lm(model), Corpus([data], column))
    if as_json:
        console.print(json.dumps({"perplexity": value, "tokens": tokens}))
    else:
        console.print(f"perplexity {value:.2f} over {tokens:,} tokens", highlight=False)
