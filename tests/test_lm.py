"""`myna lm`: LSTM and transformer language models trained on a corpus the test writes learn
it (perplexity falls, and is exp of the validation loss), generation is repeatable by seed and
temperature 0 is greedy, perplexity scores held-out text, and bad input is refused."""

from __future__ import annotations

import json
import math
import random

import pytest

from myna.train.lm import load_lm

pytestmark = pytest.mark.slow  # trains models

ANIMALS = ["cat", "dog", "horse", "cow"]
PLACES = ["garden", "field", "barn", "house"]


def write_corpus(path, lines=600, seed=0):
    rng = random.Random(seed)
    path.write_text("\n".join(
        f"the {rng.choice(ANIMALS)} sleeps in the {rng.choice(PLACES)} every night ."
        for _ in range(lines)) + "\n")
    return path


@pytest.mark.parametrize("arch,epochs", [("lstm", 4), ("transformer", 10)])
def test_a_language_model_learns_and_generates_repeatably(myna, tmp_path, arch, epochs):
    corpus = write_corpus(tmp_path / "corpus.txt")
    out = tmp_path / arch
    r = myna("lm", "train", corpus, "--arch", arch, "-o", out, "--epochs", str(epochs),
             "--seq-len", "16", "--batch-size", "16", "--embed-dim", "32", "--hidden", "64")
    assert r.code == 0, r.err
    history = load_lm(out).history
    assert len(history) == epochs and "perplexity" in r.err
    for entry in history:
        assert entry["perplexity"] == pytest.approx(math.exp(entry["valid_loss"]))
    assert history[-1]["perplexity"] < history[0]["perplexity"]
    assert history[-1]["perplexity"] < 4  # a near-deterministic corpus is learned

    def generate(*options):
        r = myna("lm", "generate", out, "the dog sleeps in the", "--words", "12", *options)
        assert r.code == 0, r.err
        return r.out.strip()

    assert generate("--seed", "3") == generate("--seed", "3")
    greedy = generate("--greedy")
    assert generate("--temperature", "0") == greedy
    assert greedy.split()[0] in PLACES  # the corpus's next word
    held_out = write_corpus(tmp_path / "held_out.txt", lines=50, seed=1)
    r = myna("lm", "evaluate", out, held_out, "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["perplexity"] < 4
    shuffled = tmp_path / "shuffled.txt"
    words = held_out.read_text().split()
    random.Random(0).shuffle(words)
    shuffled.write_text(" ".join(words) + "\n")
    r = myna("lm", "evaluate", out, shuffled, "--json")
    assert json.loads(r.out)["perplexity"] > 4  # word salad is surprising


def test_bad_input_is_refused(myna, tmp_path):
    corpus = write_corpus(tmp_path / "corpus.txt", lines=5)
    r = myna("lm", "train", corpus, "--arch", "gpt", "-o", tmp_path / "lm")
    assert r.code != 0 and "--arch" in r.err
    r = myna("lm", "train", corpus, "-o", tmp_path / "lm", "--batch-size", "64")
    assert r.code != 0 and "too small" in r.err
    assert not (tmp_path / "lm").exists()
    r = myna("lm", "generate", tmp_path, "hello")
    assert r.code != 0 and "lm.json" in r.err
