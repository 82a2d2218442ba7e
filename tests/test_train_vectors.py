"""`myna train … --base blank --vectors VEC`: the vectors `myna vectors train` wrote become the
pipeline's static vectors (spaCy's `init vectors` route), its CNN reads them, the trained model
carries them wherever it is served, and the MLflow run records which vectors it used."""

from __future__ import annotations

import json

import mlflow
import numpy as np
import pytest
import spacy
from test_train import BUSINESS, SPORT, textcat_csv, ticker_jsonl  # noqa: F401  (fixtures)

from myna.core.tracking import setup_mlflow
from myna.text.vectors import load_vectors

pytestmark = pytest.mark.slow  # trains models


@pytest.fixture
def vectors(tmp_path, myna):
    corpus = tmp_path / "unlabelled.txt"
    corpus.write_text("\n".join((SPORT + BUSINESS) * 30) + "\n")
    out = tmp_path / "vec"
    r = myna("vectors", "train", corpus, "--algo", "word2vec-cbow", "--dim", "24",
             "--min-count", "1", "--epochs", "3", "--workers", "1", "-o", out)
    assert r.code == 0, r.err
    return out


def test_textcat_reads_the_vectors_carries_them_and_records_them(myna, tmp_path, vectors,
                                                                  textcat_csv):  # noqa: F811
    out = tmp_path / "model"
    r = myna("train", "textcat", textcat_csv, "-l", "label", "-o", out, "--epochs", "3",
             "--vectors", vectors)
    assert r.code == 0, r.err
    nlp = spacy.load(out / "model-best")
    static = load_vectors(vectors)
    assert nlp.vocab.vectors.shape == (static.words, 24)
    assert np.allclose(nlp("striker")[0].vector, static.vector("striker"), atol=1e-6)
    text = "Shares fell as the bank raised rates."
    doc = nlp(text)
    assert doc.cats["Business"] > 0.5
    nlp.vocab.vectors.data[:] = 0  # the CNN reads them: without them its features change
    assert not np.allclose(nlp(text).tensor, doc.tensor, atol=1e-4)
    config = (out / "config.cfg").read_text()
    assert "include_static_vectors = true" in config and "TextCatEnsemble" in config

    setup_mlflow()
    run = mlflow.search_runs(experiment_names=["myna"], output_format="list")[0]
    assert run.data.params["vectors"] == str(vectors.resolve())
    assert run.data.params["vectors.algo"] == "word2vec-cbow"
    assert int(run.data.params["vectors.words"]) == static.words


def test_ner_reads_the_vectors(myna, tmp_path, vectors, ticker_jsonl):  # noqa: F811
    out = tmp_path / "ner"
    r = myna("train", "ner", ticker_jsonl, "-o", out, "--epochs", "2", "--vectors", vectors)
    assert r.code == 0, r.err
    nlp = spacy.load(out / "model-best")
    assert nlp.vocab.vectors.shape[1] == 24 and nlp.get_pipe("ner").labels == ("TICKER",)
    assert "include_static_vectors = true" in (out / "config.cfg").read_text()


def test_vectors_that_cannot_be_used_stop_before_training(myna, tmp_path, vectors,
                                                          textcat_csv):  # noqa: F811
    out = tmp_path / "model"
    r = myna("train", "textcat", textcat_csv, "-l", "label", "-o", out, "--vectors", vectors,
             "--base", "en_core_web_sm")
    assert r.code != 0 and "--base blank" in r.err
    r = myna("train", "textcat", textcat_csv, "-l", "label", "-o", out, "--vectors",
             tmp_path / "missing")
    assert r.code != 0 and "missing" in r.err
    assert not out.exists()
    meta = json.loads((vectors / "meta.json").read_text())
    assert meta["algo"] == "word2vec-cbow"  # untouched by the refused runs
