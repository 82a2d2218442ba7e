"""`myna compare-archs`: each architecture trained with the same settings, scored on the
held-out file only after training, one report (JSON, Markdown, HTML, curves) and an MLflow run
holding the table."""

from __future__ import annotations

import csv
import json

import mlflow
import pytest

from myna.core.tracking import setup_mlflow

pytestmark = pytest.mark.slow  # trains models


def write(path, days):
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        for i in days:
            w.writerow([f"On day {i}, the team won the match.", "Sports"])
            w.writerow([f"On day {i}, the bank raised interest rates.", "Business"])
    return path


def test_architectures_are_compared_in_one_report(myna, tmp_path):
    data, held_out = write(tmp_path / "train.csv", range(40)), write(tmp_path / "dev.csv",
                                                                     range(100, 110))
    out = tmp_path / "runs"
    r = myna("compare-archs", data, "--eval", held_out, "-l", "label", "--archs", "gru,blank",
             "--epochs", "3", "--batch-size", "8", "-o", out)
    assert r.code == 0, r.err
    rows = json.loads((out / "report" / "report.json").read_text())
    assert [row["arch"] for row in rows] == ["gru", "blank"]
    for row in rows:
        assert 0.5 <= row["accuracy"] <= 1 and row["parameters"] > 0 and row["latency_ms"] > 0
        assert row["texts_per_second"] > 0
        assert row["size_mb"] > 0 and 1 <= len(row["curve"]) <= 3
    assert len(rows[0]["curve"]) == 3  # the from-scratch model evaluates once an epoch
    assert {p.name for p in (out / "report").iterdir()} == {
        "report.json", "report.md", "report.html", "curves.png"}
    assert "| gru |" in (out / "report" / "report.md").read_text()
    setup_mlflow()
    runs = mlflow.search_runs(experiment_names=["myna"], output_format="list",
                              filter_string="tags.`myna.task` = 'compare-archs'")
    assert len(runs) == 1
    metrics = runs[0].data.metrics
    assert metrics["gru.accuracy"] == pytest.approx(rows[0]["accuracy"])
    assert runs[0].data.params["gru.run_id"] == rows[0]["run_id"]


def test_a_repeated_architecture_is_refused(myna, tmp_path):
    data = write(tmp_path / "train.csv", range(10))
    r = myna("compare-archs", data, "--eval", data, "-l", "label", "--archs", "gru,gru",
             "-o", tmp_path / "runs")
    assert r.code != 0 and "--archs" in r.err


def test_attention_variants_are_architectures_of_their_own(myna, tmp_path):
    data, held_out = write(tmp_path / "train.csv", range(30)), write(tmp_path / "dev.csv",
                                                                     range(100, 106))
    out = tmp_path / "runs"
    r = myna("compare-archs", data, "--eval", held_out, "-l", "label", "--archs",
             "transformer-scratch,transformer-scratch:product-key", "--epochs", "1",
             "--batch-size", "8", "-o", out)
    assert r.code == 0, r.err
    rows = json.loads((out / "report" / "report.json").read_text())
    assert [row["arch"] for row in rows] == ["transformer-scratch",
                                             "transformer-scratch:product-key"]
    saved = [json.loads(next((out / folder).glob("model-best/*/config.json")).read_text())
             for folder in ("transformer-scratch", "transformer-scratch_product-key")]
    assert [c["model"]["attention"] for c in saved] == ["full", "product-key"]
    assert rows[1]["parameters"] > rows[0]["parameters"]  # the memory's keys and values


def test_an_unknown_attention_is_refused_before_training(myna, tmp_path):
    data = write(tmp_path / "train.csv", range(10))
    r = myna("compare-archs", data, "--eval", data, "-l", "label", "--archs",
             "gru,transformer-scratch:sparse", "-o", tmp_path / "runs")
    assert r.code != 0 and "--archs" in r.err and "product-key" in r.err
    assert not (tmp_path / "runs" / "gru").exists()
