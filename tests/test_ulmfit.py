"""`myna train textcat --base ulmfit:LM`: a classifier on a language model's encoder and
vocabulary, trained with gradual unfreezing and discriminative learning rates, each stage's
score logged; a transformer LM, other vectors or another vocabulary are refused."""

from __future__ import annotations

import json

import mlflow
import pytest
import spacy
import torch
from test_train_scratch import BUSINESS_TEXT, textcat_csv  # noqa: F401  (fixture)

from myna.core.tracking import setup_mlflow
from myna.train.lm import load_lm

pytestmark = pytest.mark.slow  # trains models


@pytest.fixture
def language_model(myna, tmp_path, textcat_csv):  # noqa: F811
    corpus = tmp_path / "unlabelled.txt"
    texts = [line.rsplit(",", 1)[0].strip('"') for line in
             textcat_csv.read_text().splitlines()[1:]]
    corpus.write_text("\n".join(texts * 5) + "\n")
    out = tmp_path / "lm"
    r = myna("lm", "train", corpus, "--arch", "lstm", "-o", out, "--epochs", "2",
             "--seq-len", "16", "--batch-size", "8", "--embed-dim", "24", "--hidden", "32")
    assert r.code == 0, r.err
    return out


def test_ulmfit_reuses_the_encoder_and_unfreezes_gradually(myna, tmp_path, language_model,
                                                           textcat_csv):  # noqa: F811
    out = tmp_path / "clf"
    r = myna("train", "textcat", textcat_csv, "-l", "label", "-o", out, "--base",
             f"ulmfit:{language_model}", "--epochs", "6", "--batch-size", "8",
             "--learn-rate", "0.01")
    assert r.code == 0, r.err
    setup_mlflow()
    params = mlflow.search_runs(experiment_names=["myna"], output_format="list")[0].data.params
    stages = json.loads(params["stage_scores"])
    # Embeddings, two LSTM layers and the head: the head alone, then one group more a stage.
    assert list(stages) == ["head", "top 2 groups", "top 3 groups", "all"]
    rates = [float(r) for r in params["learning_rates"].split(",")]
    assert rates[-1] == pytest.approx(0.01)
    assert all(rates[i + 1] / rates[i] == pytest.approx(2.6, rel=0.01) for i in range(3))
    component = spacy.load(out / "model-best").get_pipe("textcat")
    lm = load_lm(language_model)
    assert component.ids.words == lm.ids.words  # the language model's vocabulary
    assert spacy.load(out / "model-best")(BUSINESS_TEXT).cats["Business"] > 0.5


def test_the_first_stage_leaves_the_encoder_as_the_language_model_made_it(
        myna, tmp_path, language_model, textcat_csv):  # noqa: F811
    out = tmp_path / "clf"
    r = myna("train", "textcat", textcat_csv, "-l", "label", "-o", out, "--base",
             f"ulmfit:{language_model}", "--epochs", "1", "--batch-size", "8")
    assert r.code == 0, r.err
    encoder = spacy.load(out / "model-last").get_pipe("textcat").model.encoder
    lm_encoder = load_lm(language_model).model.encoder
    for ours, theirs in zip(encoder.state_dict().values(), lm_encoder.state_dict().values(),
                            strict=True):
        assert torch.equal(ours, theirs)  # only the head trained in the head stage


def test_what_ulmfit_cannot_use_is_refused(myna, tmp_path, language_model,
                                           textcat_csv):  # noqa: F811
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat on the mat .\n" * 200)
    r = myna("lm", "train", corpus, "--arch", "transformer", "-o", tmp_path / "tlm",
             "--epochs", "1", "--seq-len", "8", "--batch-size", "4", "--embed-dim", "16",
             "--hidden", "16")
    assert r.code == 0, r.err
    r = myna("tokenizer", "train", corpus, "--algo", "wordpiece", "--vocab-size", "60",
             "-o", tmp_path / "tok.json")
    assert r.code == 0, r.err
    out = tmp_path / "clf"
    for options, message in [
            (["--base", f"ulmfit:{tmp_path / 'tlm'}"], "LSTM"),
            (["--base", f"ulmfit:{language_model}", "--tokenizer", tmp_path / "tok.json"],
             "another vocabulary"),
            (["--base", f"ulmfit:{language_model}", "--vectors", tmp_path / "vec"],
             "embeddings"),
            (["--base", f"ulmfit:{tmp_path}"], "lm.json")]:
        r = myna("train", "textcat", textcat_csv, "-l", "label", "-o", out, *options)
        assert r.code != 0 and message in r.err, (options, r.err)
        assert not out.exists()


def test_random_weights_give_the_same_classifier_without_pretraining(
        myna, tmp_path, language_model, textcat_csv):  # noqa: F811
    out = tmp_path / "control"
    r = myna("train", "textcat", textcat_csv, "-l", "label", "-o", out, "--base",
             f"ulmfit:{language_model}", "--vectors", "random", "--epochs", "1",
             "--batch-size", "8")
    assert r.code == 0, r.err
    control = spacy.load(out / "model-last").get_pipe("textcat")
    lm = load_lm(language_model)
    assert control.ids.words == lm.ids.words  # the same vocabulary and shape …
    ours, theirs = control.model.encoder.state_dict(), lm.model.encoder.state_dict()
    assert [v.shape for v in ours.values()] == [v.shape for v in theirs.values()]
    assert not torch.equal(ours["embed.weight"], theirs["embed.weight"])  # … not its weights
