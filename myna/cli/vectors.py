"""`myna vectors train|neighbors|similarity|analogy|evaluate|contextual`: static word vectors
trained on the user's corpus with gensim, the questions asked of them, and a word's
contextual vector from the bundled MiniLM beside its static one."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import typer

from myna.cli.corpus_options import COLUMN, CORPUS, MAX_MB, SAMPLE
from myna.core.console import console, err_console, progress_bar
from myna.core.errors import InputError

app = typer.Typer(help="Train and query word vectors (word2vec, fastText) and compare static "
                       "with contextual vectors.", no_args_is_help=True)


@app.command("train")
def train_command(
    corpus: list[Path] = CORPUS,
    out: Path = typer.Option(..., "--out", "-o", help="The vectors folder to write."),
    algo: str = typer.Option("fasttext", "--algo", help="word2vec-cbow, word2vec-skipgram or "
                                                        "fasttext."),
    dim: int = typer.Option(100, "--dim"),
    window: int = typer.Option(5, "--window"),
    min_count: int = typer.Option(5, "--min-count"),
    epochs: int = typer.Option(5, "--epochs"),
    workers: int = typer.Option(0, "--workers", help="Training threads; 0 = every core."),
    lowercase: bool = typer.Option(False, "--lowercase"),
    buckets: int = typer.Option(200_000, "--buckets", help="fastText n-gram hash rows."),
    seed: int = typer.Option(0, "--seed", help="Repeatable with --workers 1 only."),
    column: str | None = COLUMN, sample: float = SAMPLE, max_mb: float | None = MAX_MB,
) -> None:
    """Train vectors on a corpus streamed from disk; meta.json records how."""
    from myna.data.corpus import Corpus
    from myna.text.vectors import save_vectors
    from myna.train.vectors import VectorSettings, describe, train_vectors, write_sentences

    settings = VectorSettings(algo, dim, window, min_count, epochs, workers, lowercase, seed,
                              buckets=buckets)
    texts = Corpus(corpus, column, sample, max_mb, seed)
    sources = {"paths": [str(p) for p in corpus], "column": column, "sample": sample,
               "max_mb": max_mb}
    with tempfile.TemporaryDirectory(prefix="myna-vectors-") as tmp, progress_bar() as progress:
        started = time.perf_counter()
        reading = progress.add_task("tokenize", total=texts.total_bytes, rate="")

        def on_text(count: int) -> None:
            if count % 2000 == 0:
                progress.update(reading, completed=texts.bytes, rate=f"{count:,} texts")

        tokenized = write_sentences(texts, Path(tmp) / "sentences.txt", lowercase, on_text)
        progress.update(reading, completed=texts.total_bytes, rate=f"{tokenized.texts:,} texts")
        tokenize_s = time.perf_counter() - started
        started = time.perf_counter()
        epoch_bar = progress.add_task(f"{algo} epochs", total=epochs,
                                      rate=f"{tokenized.words:,} words × {settings.workers} "
                                           "threads")
        kv = train_vectors(tokenized, settings,
                           on_epoch=lambda n: progress.update(epoch_bar, completed=n))
        train_s = time.perf_counter() - started
    meta = describe(settings, tokenized, sources, len(kv.index_to_key), tokenize_s, train_s)
    save_vectors(kv, meta, out)
    err_console.print(f"{algo}: {meta['vocabulary']:,} words × {dim} from {tokenized.texts:,} "
                      f"texts ({tokenized.words:,} words; {meta['words_per_second']:,} words/s "
                      f"over {epochs} epochs) → {out}", highlight=False)


@app.command("neighbors")
def neighbors_command(
    vectors: str = typer.Argument(..., help="A vectors folder, .kv, or word2vec/GloVe text."),
    word: str = typer.Argument(...),
    k: int = typer.Option(10, "-k", min=1, max=1000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The K words nearest WORD by cosine."""
    from myna.text.vectors import load_vectors

    loaded = load_vectors(vectors)
    hits = loaded.neighbors(word, k)
    _show(hits, as_json, note=None if loaded.known(word) else
          f"{word!r} was not in the training text: its vector comes from character n-grams")


@app.command("similarity")
def similarity_command(vectors: str = typer.Argument(...), a: str = typer.Argument(...),
                       b: str = typer.Argument(...)) -> None:
    """Cosine similarity of two words."""
    from myna.text.vectors import load_vectors

    console.print(f"{load_vectors(vectors).similarity(a, b):.4f}")


@app.command("analogy")
def analogy_command(
    vectors: str = typer.Argument(...),
    a: str = typer.Argument(..., help="A is to B as C is to ?: man king woman → queen"),
    b: str = typer.Argument(...),
    c: str = typer.Argument(...),
    k: int = typer.Option(5, "-k", min=1, max=100),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The words nearest B − A + C."""
    from myna.text.vectors import load_vectors

    _show(load_vectors(vectors).analogy(a, b, c, k), as_json)


@app.command("evaluate")
def evaluate_command(
    vectors: str = typer.Argument(...),
    analogies: Path | None = typer.Option(None, "--analogies", help="Analogy questions in the "
                                          "questions-words.txt format (default: gensim's)."),
    pairs: Path | None = typer.Option(None, "--pairs", help="Scored word pairs, tab-separated "
                                      "(default: gensim's WordSim-353)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Google analogy accuracy and WordSim-353 correlation, each with its coverage."""
    from rich.markdown import Markdown

    from myna.evaluate.vectors import evaluate_vectors, markdown
    from myna.text.vectors import load_vectors

    scores = evaluate_vectors(load_vectors(vectors), analogies, pairs)
    if as_json:
        console.print(json.dumps(scores.as_dict()), soft_wrap=True)
    else:
        console.print(Markdown(markdown(Path(vectors).name, scores)))


@app.command("contextual")
def contextual_command(
    sentences: list[str] = typer.Argument(..., help="Sentences that contain WORD."),
    word: str = typer.Option(..., "--word", help="The word to follow across the sentences."),
    encoder: str | None = typer.Option(None, "--encoder", help="A sentence-transformers folder "
                                                               "(default: the bundled MiniLM)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """WORD's contextual vector in each sentence beside its static (input-embedding) one, and
    the cosine similarities between the sentences' vectors."""
    from myna.text.contextual import similarity_matrix, word_in_context

    if not sentences:
        raise InputError("give at least one sentence")
    found = word_in_context(sentences, word, encoder)
    contextual = similarity_matrix([f.contextual for f in found]).round(4).tolist()
    static = similarity_matrix([f.static for f in found]).round(4).tolist()
    if as_json:
        console.print(json.dumps({
            "occurrences": [{"sentence": f.sentence, "start": f.start, "end": f.end,
                             "pieces": f.pieces, "contextual": f.contextual.round(5).tolist(),
                             "static": f.static.round(5).tolist()} for f in found],
            "contextual_similarity": contextual, "static_similarity": static},
            ensure_ascii=False), soft_wrap=True)
        return
    from rich.table import Table

    for name, matrix in (("contextual", contextual), ("static", static)):
        table = Table(title=f"cosine similarity of {word!r}, {name} vectors")
        table.add_column("")
        for n in range(len(found)):
            table.add_column(f"#{n + 1}", justify="right")
        for n, (occurrence, row) in enumerate(zip(found, matrix, strict=True), start=1):
            table.add_row(f"#{n} {occurrence.sentence}", *(f"{v:.3f}" for v in row))
        console.print(table)


def _show(hits: list[tuple[str, float]], as_json: bool, note: str | None = None) -> None:
    if as_json:
        console.print(json.dumps([{"word": w, "score": round(s, 5)} for w, s in hits],
                                 ensure_ascii=False), soft_wrap=True)
        return
    if note:
        err_console.print(note, highlight=False)
    for word, score in hits:
        console.print(f"{score:.4f}  {word}", highlight=False, markup=False)
