"""Word-vector training speed and intrinsic quality: word2vec CBOW, skip-gram and fastText
(gensim, through `myna.train.vectors`) with 1 and 2 worker threads, median words/second of
--repeats runs each; then the Google analogy and WordSim-353 scores of each algorithm's vectors,
with coverage.

    .venv/bin/python bench/word_vectors.py --epochs 5 --repeats 3

Corpus: all text in ../shared/data (bench/text_corpus.py), tokenised once by spaCy's English
tokenizer as `myna vectors train` does; words/second = corpus words × epochs / training wall.
"""

from __future__ import annotations

import argparse
import time

from common import OUT, machine, median, today, write_section
from text_corpus import write_corpus

ALGOS = ("word2vec-cbow", "word2vec-skipgram", "fasttext")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--min-count", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    from myna.data.corpus import Corpus
    from myna.evaluate.vectors import evaluate_vectors
    from myna.text.vectors import WordVectors, save_vectors
    from myna.train.vectors import VectorSettings, describe, train_vectors, write_sentences

    corpus = write_corpus()
    t0 = time.perf_counter()
    tokenized = write_sentences(Corpus([corpus]), OUT / "corpus_all.tokens.txt")
    tokenize_s = time.perf_counter() - t0
    speed_rows, quality_rows = [], []
    for algo in ALGOS:
        speeds = {}
        for workers in (1, 2):
            settings = VectorSettings(algo, args.dim, 5, args.min_count, args.epochs, workers)
            times = []
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                kv = train_vectors(tokenized, settings)
                times.append(time.perf_counter() - t0)
            speeds[workers] = tokenized.words * args.epochs / median(times)
            print(algo, workers, [f"{t:.1f}" for t in times], flush=True)
        speed_rows.append(f"| {algo} | {speeds[1]:,.0f} | {speeds[2]:,.0f} | "
                          f"{speeds[2] / speeds[1]:.2f}× |")
        folder = OUT / f"vectors_{algo}"
        save_vectors(kv, describe(settings, tokenized, {"paths": [str(corpus)]},
                                  len(kv.index_to_key), tokenize_s, times[-1]), folder)
        scores = evaluate_vectors(WordVectors(kv, str(folder)))
        quality_rows.append(
            f"| {algo} | {len(kv.index_to_key):,} | {100 * scores.analogy_accuracy:.1f}% | "
            f"{100 * scores.analogy_coverage:.1f}% | {scores.wordsim_spearman:.3f} | "
            f"{100 * scores.wordsim_coverage:.1f}% |")
    body = f"""### Word vectors: training speed and intrinsic scores

Command: `.venv/bin/python bench/word_vectors.py --epochs {args.epochs} --repeats {args.repeats}`
Date: {today()} · Machine: {machine()} · words/s are medians of {args.repeats} runs each

Corpus: all text in `../shared/data` ({tokenized.texts:,} texts, {tokenized.words:,} words after
spaCy's tokenizer, which took {tokenize_s:.0f} s); {args.dim} dimensions, window 5, min count
{args.min_count}, {args.epochs} epochs; fastText n-grams 3–6 in 200,000 buckets.

| algorithm | words/s, 1 worker | words/s, 2 workers | 2 vs 1 |
|---|---:|---:|---:|
{chr(10).join(speed_rows)}

Scores of each algorithm's vectors (the last 2-worker run), case-insensitive, as gensim
computes them; accuracy and correlation are over the answered share only:

| algorithm | vocabulary | Google analogy accuracy | analogy coverage | WordSim-353 Spearman | WordSim coverage |
|---|---:|---:|---:|---:|---:|
{chr(10).join(quality_rows)}

The corpus is about a million words, a thousandth of what published vectors are trained on;
these scores are far below the published 70%+ analogy accuracy and are reported, not chased.
"""
    write_section("word-vectors", body)
    print(body)


if __name__ == "__main__":
    main()
