"""`myna attention show`: MiniLM's and a from-scratch transformer's attention over a text,
every row of every head a probability distribution, drawn as HTML; models without attention
and out-of-range layers are refused."""

from __future__ import annotations

import re

import numpy as np
import pytest

from myna.evaluate.attention import attention_maps

TEXT = "The bank raised interest rates."


def test_minilm_heads_are_distributions_and_draw(myna, tmp_path):
    maps = attention_maps("minilm", TEXT)
    assert maps.weights.shape[:2] == (6, 12)  # MiniLM-L6: 6 layers of 12 heads
    assert maps.queries[0] == "[CLS]" and "bank" in maps.queries
    assert np.allclose(maps.weights.sum(-1), 1.0, atol=1e-4)
    out = tmp_path / "attention.html"
    r = myna("attention", "show", "minilm", TEXT, "--layer", "2", "--head", "5", "--html", out)
    assert r.code == 0, r.err
    assert r.out.startswith("layer 2 head 5: [CLS]→")
    page = out.read_text()
    assert "layer 2, head 5" in page
    rows = re.findall(r"<tr><th>([^<]*)</th>(<td.*?)</tr>", page)  # the header row has no td
    assert [q for q, _ in rows] == maps.queries
    first = [float(w) for w in re.findall(r'title="([0-9.]+)"', rows[0][1])]
    assert sum(first) == pytest.approx(1.0, abs=0.01)
    r = myna("attention", "show", "minilm", TEXT, "--layer", "6")
    assert r.code != 0 and "layers 0–5" in r.err


@pytest.mark.slow  # trains a model
def test_a_from_scratch_transformer_shows_its_persistent_memory(myna, tmp_path):
    import csv

    data = tmp_path / "news.csv"
    with data.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        for i in range(30):
            w.writerow([f"On day {i}, the team won the match.", "Sports"])
            w.writerow([f"On day {i}, the bank raised interest rates.", "Business"])
    out = tmp_path / "model"
    r = myna("train", "textcat", data, "-l", "label", "-o", out, "--base",
             "transformer-scratch", "--attention", "persistent-memory", "--epochs", "1",
             "--layers", "2")
    assert r.code == 0, r.err
    maps = attention_maps(str(out / "model-best"), TEXT)
    assert maps.weights.shape[:2] == (2, 4)
    assert maps.keys[:16] == [f"mem{i}" for i in range(16)] and maps.keys[16:] == maps.queries
    assert np.allclose(maps.weights.sum(-1), 1.0, atol=1e-5)
    r = myna("train", "textcat", data, "-l", "label", "-o", tmp_path / "lstm", "--base",
             "lstm", "--epochs", "1")
    assert r.code == 0, r.err
    r = myna("attention", "show", str(tmp_path / "lstm" / "model-best"), TEXT)
    assert r.code != 0 and "no transformer" in r.err


@pytest.mark.slow  # fine-tunes a model
def test_a_fine_tuned_transformer_classifier_shows_its_encoders_attention(myna, tmp_path):
    from conftest import build_tiny_bert

    words = ["the", "bank", "raised", "rates", "team", "won", "match"]
    base = build_tiny_bert(tmp_path / "tiny-bert", words, hidden=32)
    rows = ["text,label"] + ["the bank raised rates,Business", "the team won,Sports"] * 10
    (tmp_path / "tc.csv").write_text("\n".join(rows) + "\n")
    r = myna("train", "textcat", tmp_path / "tc.csv", "-l", "label", "--base",
             f"transformer:{base}", "-o", tmp_path / "hf", "--epochs", "1")
    assert r.code == 0, r.err
    maps = attention_maps(str(tmp_path / "hf" / "model-best"), "the bank raised rates")
    assert maps.weights.shape[:2] == (1, 2)  # the tiny model: one layer of two heads
    assert maps.queries[1:5] == ["the", "bank", "raised", "rates"]
    assert np.allclose(maps.weights.sum(-1), 1.0, atol=1e-4)
