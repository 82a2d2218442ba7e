"""`myna vectors`: word2vec and fastText trained on a corpus the test writes put words used
alike next to each other, fastText answers for a word it never saw and word2vec refuses it,
scores come with their coverage, other formats load, bad input is refused with the file named
and a failed training keeps the previous vectors; a word's contextual vector from MiniLM
tells the robbed bank from the river bank where its static vector cannot."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

CITIES = ["paris", "berlin", "rome", "madrid", "vienna"]
FRUITS = ["apple", "banana", "cherry", "mango", "peach"]
SIZES = ["big", "bigger", "small", "smaller", "large", "larger"]
TEMPLATES = {
    "city": ["we flew to {} last week", "the museum in {} was closed", "she moved to {} for work",
             "the mayor of {} spoke today", "trains to {} were late"],
    "fruit": ["i ate a {} for breakfast", "the {} was ripe and sweet", "he peeled the {} slowly",
              "a basket of {} sat on the table", "she bought a fresh {} at the market"],
    "size": ["they built a {} house", "the dog was {} than the cat", "a {} crowd gathered",
             "we need a {} boat", "the {} box would not fit"],
}
WORDS = {"city": CITIES, "fruit": FRUITS, "size": SIZES}


def write_corpus(path: Path, lines: int = 3000) -> Path:
    rng = random.Random(0)
    kinds = sorted(TEMPLATES)
    with path.open("w", encoding="utf-8") as f:
        for _ in range(lines):
            kind = rng.choice(kinds)
            f.write(rng.choice(TEMPLATES[kind]).format(rng.choice(WORDS[kind])) + "\n")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict[str, Path]:
    """word2vec skip-gram and fastText on the same corpus, trained once through the CLI."""
    from typer.testing import CliRunner

    from myna.cli.main import app

    root = tmp_path_factory.mktemp("vectors")
    corpus = write_corpus(root / "corpus.txt")
    out = {"corpus": corpus}
    for algo in ("word2vec-skipgram", "fasttext"):
        out[algo] = root / algo
        result = CliRunner().invoke(app, [
            "vectors", "train", str(corpus), "--algo", algo, "--dim", "32", "--epochs", "15",
            "--min-count", "2", "--workers", "1", "--buckets", "20000", "-o", str(out[algo])])
        assert result.exit_code == 0, result.output
    return out


def ask(myna, *args) -> list[dict]:
    r = myna("vectors", *map(str, args), "--json")
    assert r.code == 0, r.err
    return json.loads(r.out)


@pytest.mark.slow  # trains vectors
def test_words_used_alike_are_neighbours_and_the_run_is_described(myna, trained):
    for algo in ("word2vec-skipgram", "fasttext"):
        hits = ask(myna, "neighbors", trained[algo], "paris", "-k", "3")
        assert len(hits) == 3 and {h["word"] for h in hits} <= set(CITIES) - {"paris"}, hits
        meta = json.loads((trained[algo] / "meta.json").read_text())
        assert meta["algo"] == algo and meta["dim"] == 32 and meta["tokenizer"] == "spacy-en"
        assert meta["texts"] == 3000 and meta["corpus"]["paths"] == [str(trained["corpus"])]
        assert meta["vocabulary"] == len(set(trained["corpus"].read_text().split()))
    near = myna("vectors", "similarity", trained["word2vec-skipgram"], "apple", "mango")
    far = myna("vectors", "similarity", trained["word2vec-skipgram"], "apple", "berlin")
    assert near.code == far.code == 0
    assert float(near.out) > float(far.out)


@pytest.mark.slow  # trains vectors
def test_fasttext_answers_for_an_unseen_word_and_word2vec_refuses_it(myna, trained):
    assert "biggest" not in trained["corpus"].read_text().split()
    r = myna("vectors", "neighbors", trained["word2vec-skipgram"], "biggest")
    assert r.code != 0 and "'biggest' is not in the vocabulary" in r.err
    assert "fastText" in r.err
    hits = ask(myna, "neighbors", trained["fasttext"], "biggest", "-k", "3")
    assert hits[0]["word"] in {"big", "bigger"}, hits

    def similarity(a: str, b: str) -> float:
        r = myna("vectors", "similarity", trained["fasttext"], a, b)
        assert r.code == 0, r.err
        return float(r.out)

    assert similarity("biggest", "bigger") > similarity("biggest", "banana")


@pytest.mark.slow  # trains vectors
def test_analogy_leaves_out_the_question_words(myna, trained):
    hits = ask(myna, "analogy", trained["word2vec-skipgram"], "apple", "mango", "paris", "-k", "4")
    assert len(hits) == 4 and not {"apple", "mango", "paris"} & {h["word"] for h in hits}
    r = myna("vectors", "analogy", trained["word2vec-skipgram"], "apple", "mango", "kingdom")
    assert r.code != 0 and "'kingdom'" in r.err


@pytest.mark.slow  # trains vectors
def test_scores_come_with_their_coverage(myna, trained, tmp_path):
    analogies = tmp_path / "analogies.txt"
    analogies.write_text(": capitals\nparis rome berlin madrid\nparis rome kingdom queen\n"
                         ": fruit\napple banana cherry mango\nkingdom queen king prince\n")
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("# word1\tword2\tscore\napple\tmango\t9.0\napple\tparis\t1.0\n"
                     "paris\tberlin\t8.5\nkingdom\tqueen\t7.0\n")
    scores = ask(myna, "evaluate", trained["word2vec-skipgram"], "--analogies", analogies,
                 "--pairs", pairs)
    assert scores["analogy_questions"] == 4 and scores["analogy_answered"] == 2
    assert scores["analogy_coverage"] == 0.5
    assert scores["wordsim_pairs"] == 4 and scores["wordsim_answered"] == 3
    assert scores["wordsim_spearman"] > 0  # fruit with fruit, city with city rank above
    bundled = ask(myna, "evaluate", trained["fasttext"])  # gensim's Google set, WordSim-353
    assert bundled["analogy_questions"] == 19544 and bundled["wordsim_pairs"] == 353
    assert 0 <= bundled["analogy_coverage"] < 0.05  # a 16-word vocabulary answers almost none


@pytest.mark.slow  # trains vectors
def test_glove_and_word2vec_text_files_load(myna, trained, tmp_path):
    from myna.text.vectors import load_vectors

    kv = load_vectors(trained["word2vec-skipgram"]).kv
    with_header = tmp_path / "vectors.vec"
    kv.save_word2vec_format(str(with_header))
    glove = tmp_path / "glove.txt"
    glove.write_text("".join(with_header.read_text().splitlines(keepends=True)[1:]))
    for path in (with_header, glove):
        loaded = load_vectors(path)
        assert loaded.words == len(kv.index_to_key) and loaded.dim == 32
        assert np.allclose(loaded.vector("paris"), kv["paris"], atol=1e-5)
    bad = tmp_path / "bad.txt"
    bad.write_text("paris 0.1 0.2\nrome 0.3\n")
    r = myna("vectors", "neighbors", bad, "paris")
    assert r.code != 0 and str(bad) in r.err
    r = myna("vectors", "neighbors", tmp_path, "paris")
    assert r.code != 0 and "vectors.kv" in r.err


@pytest.mark.slow  # trains vectors
def test_a_failed_training_keeps_the_previous_vectors(myna, trained, tmp_path):
    out = tmp_path / "vec"
    r = myna("vectors", "train", trained["corpus"], "--algo", "word2vec-cbow", "--dim", "8",
             "--epochs", "1", "--min-count", "1", "-o", out)
    assert r.code == 0, r.err
    before = (out / "meta.json").read_text()
    r = myna("vectors", "train", trained["corpus"], "--algo", "word2vec-cbow",
             "--min-count", "100000", "-o", out)
    assert r.code != 0 and "--min-count" in r.err
    assert (out / "meta.json").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vec"]  # no temporary folder left
    r = myna("vectors", "train", trained["corpus"], "--algo", "glove", "-o", out)
    assert r.code != 0 and "word2vec-cbow" in r.err


BOOK_BANKS = ["I'm going to rob a bank.", "Hey, that's a pretty cool river bank.",
              "I deposited my salary at the bank."]


def test_contextual_vectors_tell_the_banks_apart_and_static_ones_cannot(myna):
    out = ask(myna, "contextual", *BOOK_BANKS, "--word", "bank")
    assert [o["pieces"] for o in out["occurrences"]] == [["bank"]] * 3
    assert [o["start"] for o in out["occurrences"]] == [19, 32, 29]
    static, contextual = np.array(out["static_similarity"]), np.array(out["contextual_similarity"])
    assert np.allclose(static, 1.0, atol=1e-4)  # the same vector in every sentence
    assert (contextual[np.triu_indices(3, 1)] < 0.95).all()
    robbed, river, deposit = 0, 1, 2
    assert contextual[robbed, deposit] > contextual[robbed, river]
    r = myna("vectors", "contextual", "The river was calm.", "--word", "bank")
    assert r.code != 0 and "sentence 1" in r.err
