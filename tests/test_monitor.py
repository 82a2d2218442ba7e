"""Drift monitoring: a reference profile travels with the model, a shifted batch is flagged
(exit code 3, a report that says why), an i.i.d. batch is not, and the false-alarm rate over
20 i.i.d. batches stays near the chosen alpha."""

from __future__ import annotations

import json

import numpy as np
import pytest
from news_stream import PARTS, news, write_csv, write_labelled_csv

from myna.monitor import statistics as stats


def test_psi_is_zero_for_the_same_shares_and_large_for_a_one_label_batch():
    even = {"Sports": 0.5, "Business": 0.5}
    assert stats.psi(even, even) == 0.0
    assert stats.psi(even, stats.shares(["Sports"] * 10, even)) > 2.0
    assert stats.psi(even, {"Sports": 0.52, "Business": 0.48}) < 0.01


def test_mmd_and_the_domain_classifier_tell_shifted_points_from_the_same_ones():
    rng = np.random.default_rng(0)
    reference = rng.normal(size=(150, 8))
    same, shifted = rng.normal(size=(100, 8)), rng.normal(0.6, 1.0, size=(100, 8))
    assert stats.mmd_test(reference, same)[1] > 0.05
    assert stats.mmd_test(reference, shifted)[1] < 0.01
    auc_same, p_same = stats.domain_classifier(reference, same)
    auc_shifted, p_shifted = stats.domain_classifier(reference, shifted)
    assert auc_same < 0.65 and p_same > 0.05
    assert auc_shifted > 0.8 and p_shifted < 0.001


def test_distinguishing_words_name_what_the_current_texts_talk_about():
    reference = stats.word_counts(["shares rose", "the bank cut rates", "profits fell"] * 20)
    current = stats.word_counts(["the goalkeeper saved a penalty", "shares rose"] * 20)
    top = [w["word"] for w in stats.distinguishing_words(reference, current)]
    assert set(top[:3]) == {"goalkeeper", "saved", "penalty"}
    assert "the" not in top and "shares" not in top[:3]


@pytest.fixture(scope="module")
def profiled(textcat_pipeline, tmp_path_factory):
    """The session's classifier with a profile of 1,000 i.i.d. texts (a profile's full sample;
    a 300-text one measured 3 false alarms in 20 here, at alpha 0.05)."""
    from myna.models import load
    from myna.monitor.profile import build_profile

    root = tmp_path_factory.mktemp("monitor")
    profile = build_profile(load(str(textcat_pipeline)), news(1000, seed=1), "news(1000)")
    profile.save(root / "profile")
    return root / "profile"


@pytest.mark.slow
def test_a_sports_only_batch_is_drift_and_an_iid_batch_is_not(myna, profiled, textcat_pipeline,
                                                              tmp_path):
    iid = write_csv(tmp_path / "iid.csv", news(120, seed=2))
    sports = write_csv(tmp_path / "sports.csv", news(120, seed=3, topics=("Sports",)))
    r = myna("monitor", "check", profiled, iid, "--model", textcat_pipeline, "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["drift"] is False
    r = myna("monitor", "check", profiled, sports, "--model", textcat_pipeline,
             "--report", tmp_path / "report")
    assert r.code == 3, r.err
    assert "DRIFT" in r.out and "predicted labels (PSI)" in r.out
    summary = json.loads((tmp_path / "report" / "report.json").read_text())
    psi = next(f for f in summary["findings"] if f["name"] == "predicted labels (PSI)")
    assert psi["drifted"] and summary["label_shares"]["current"].get("Business", 0) < 0.2
    words = [w["word"] for w in summary["distinguishing_words"]]
    sports_words = {w for part in PARTS["Sports"] for phrase in part for w in stats.words(phrase)}
    assert len(words) >= 5 and set(words[:5]) <= sports_words
    for name in ("report.html", "report.md", "labels.png", "embeddings.png"):
        assert (tmp_path / "report" / name).stat().st_size > 0
    assert "DRIFT" in (tmp_path / "report" / "report.md").read_text()


@pytest.mark.slow
def test_false_alarms_over_20_iid_batches_stay_near_alpha(profiled, textcat_pipeline):
    from myna.models import load
    from myna.monitor.check import check_drift
    from myna.monitor.profile import load_profile

    profile, model = load_profile(profiled), load(str(textcat_pipeline))
    alarms = [check_drift(profile, news(80, seed=100 + i), model, alpha=0.05).drifted
              for i in range(20)]
    print(f"false alarms: {sum(alarms)} of 20 i.i.d. batches at alpha 0.05")
    assert sum(alarms) <= 2
    shifted = [check_drift(profile, news(80, seed=200 + i, topics=("Sports",)), model).drifted
               for i in range(3)]
    assert all(shifted)


@pytest.mark.slow
def test_training_writes_the_profile_and_the_logged_model_carries_it(myna, tmp_path):
    from myna.train.runner import TrainSpec, train

    data = write_labelled_csv(tmp_path / "train.csv", 60, seed=4)
    result = train(TrainSpec(task="textcat", source=data, output=tmp_path / "out",
                             label_column="label", epochs=2))
    profile = json.loads((result.model / "reference_profile" / "profile.json").read_text())
    assert profile["task"] == "textcat" and profile["texts"] == 120
    assert "all 120 training texts" in profile["source"]  # too few held out: said so
    assert set(profile["label_shares"]) <= {"Sports", "Business"}
    current = write_csv(tmp_path / "now.csv", news(60, seed=6))
    r = myna("monitor", "check", f"runs:/{result.run_id}/model", current)
    assert r.code in (0, 3), r.err
    assert "text length (KS)" in r.out


def test_clear_errors_for_a_model_without_a_profile_and_a_broken_one(myna, tmp_path):
    current = write_csv(tmp_path / "now.csv", news(30, seed=7))
    r = myna("monitor", "check", tmp_path, current)
    assert r.code != 0 and "myna monitor profile" in " ".join(r.err.split())
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "profile.json").write_text("{not json")
    r = myna("monitor", "check", broken, current)
    assert r.code not in (0, 3) and "profile.json" in r.err
