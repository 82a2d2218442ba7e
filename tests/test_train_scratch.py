"""`myna train textcat --base rnn|birnn|lstm|gru|transformer-scratch`: models built from
scratch train on a file the test writes, save as spaCy pipelines that `spacy.load`,
`myna evaluate` and the MLflow registry take like any other, start from trained word vectors
and a trained tokenizer when given them, and refuse what cannot work before any training."""

from __future__ import annotations

import mlflow
import numpy as np
import pytest
import spacy
from test_train import BUSINESS, SPORT

from myna.core.tracking import setup_mlflow
from myna.nn.names import ARCHS, ATTENTION

pytestmark = pytest.mark.slow  # trains models

BUSINESS_TEXT = "On day 99, the bank raised interest rates."


@pytest.fixture
def textcat_csv(tmp_path):
    """The topic words come last, where a plain RNN's final state still remembers them."""
    import csv
    import random

    rng = random.Random(0)
    path = tmp_path / "news.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        for i in range(40):
            w.writerow([f"On day {i}, {rng.choice(SPORT).lower()}.", "Sports"])
            w.writerow([f"On day {i}, {rng.choice(BUSINESS).lower()}.", "Business"])
    return path


def last_run():
    setup_mlflow()
    return mlflow.search_runs(experiment_names=["myna"], output_format="list")[0]


@pytest.mark.parametrize("arch", ARCHS)
def test_every_architecture_trains_saves_and_evaluates(myna, tmp_path, arch,
                                                       textcat_csv):
    out = tmp_path / arch
    r = myna("train", "textcat", textcat_csv, "-l", "label", "-o", out, "--base", arch,
             "--epochs", "10", "--batch-size", "8", "--hidden", "32")
    assert r.code == 0, r.err
    nlp = spacy.load(out / "model-best")
    cats = nlp(BUSINESS_TEXT).cats
    assert set(cats) == {"Business", "Sports"} and sum(cats.values()) == pytest.approx(1.0)
    assert cats["Business"] > 0.5
    r = myna("evaluate", out / "model-best", textcat_csv, "-l", "label", "--errors", "0")
    assert r.code == 0 and "accuracy" in r.out
    run = last_run()
    assert run.data.params["arch"] == arch and int(run.data.params["parameters"]) > 0
    assert run.data.metrics["final.cats_macro_f"] > 0.9


@pytest.mark.parametrize("attention", [a for a in ATTENTION if a != "full"])
def test_attention_variants_train_and_reload(myna, tmp_path, attention,
                                             textcat_csv):
    out = tmp_path / attention
    r = myna("train", "textcat", textcat_csv, "-l", "label", "-o", out, "--base",
             "transformer-scratch", "--attention", attention, "--epochs", "10", "--batch-size", "8")
    assert r.code == 0, r.err
    first = spacy.load(out / "model-best")(BUSINESS_TEXT).cats
    again = spacy.load(out / "model-best")(BUSINESS_TEXT).cats
    assert first == pytest.approx(again) and first["Business"] > 0.5
    assert last_run().data.params["attention"] == attention


def test_vectors_and_a_tokenizer_feed_the_model(myna, tmp_path, textcat_csv):
    corpus = tmp_path / "unlabelled.txt"
    corpus.write_text("\n".join((SPORT + BUSINESS) * 30) + "\n")
    r = myna("vectors", "train", corpus, "--algo", "word2vec-cbow", "--dim", "16",
             "--min-count", "1", "--epochs", "2", "--workers", "1", "--lowercase",
             "-o", tmp_path / "vec")
    assert r.code == 0, r.err
    r = myna("tokenizer", "train", corpus, "--algo", "wordpiece", "--vocab-size", "200",
             "--lowercase", "-o", tmp_path / "tok.json")
    assert r.code == 0, r.err
    out = tmp_path / "gru"
    r = myna("train", "textcat", textcat_csv, "-l", "label", "-o", out, "--base", "gru",
             "--vectors", tmp_path / "vec", "--tokenizer", tmp_path / "tok.json",
             "--epochs", "1", "--learn-rate", "1e-9")  # weights barely move from the start
    assert r.code == 0, r.err
    params = last_run().data.params
    assert params["tokens"] == "tokenizer" and int(params["vectors_covered"]) > 20
    component = spacy.load(out / "model-best").get_pipe("textcat")
    from myna.text.vectors import load_vectors

    vectors = load_vectors(tmp_path / "vec")
    row = component.ids.tokenizer.token_to_id("shares")
    assert np.allclose(component.model.embed.weight[row].detach().numpy(),
                       vectors.vector("shares"), atol=1e-4)
    assert component.model.embed.weight.shape[1] == 16  # the vectors' size


def test_what_cannot_work_is_refused_before_training(myna, tmp_path, textcat_csv):
    out = tmp_path / "m"
    cases = [(["--base", "transformer-scratch", "--attention", "sparse"], "--attention"),
             (["--base", "lstm", "--attention", "adaptive-span"], "transformer-scratch"),
             (["--base", "blank", "--tokenizer", tmp_path / "tok.json"], "--tokenizer"),
             (["--base", "blank", "--vectors", "random"], "random"),
             (["--base", "gru", "--tokenizer", tmp_path / "missing.json"], "missing.json")]
    for options, message in cases:
        r = myna("train", "textcat", textcat_csv, "-l", "label", "-o", out, *options)
        assert r.code != 0 and message in r.err, (options, r.err)
        assert not out.exists(), options  # refused before anything was written
    ner = tmp_path / "ner.jsonl"
    ner.write_text('{"text": "Oracle rose.", "spans": [{"start": 0, "end": 6, '
                   '"label": "ORG"}]}\n')
    r = myna("train", "ner", ner, "-o", out, "--base", "lstm")
    assert r.code != 0 and "text classifiers only" in r.err
    assert not out.exists()
