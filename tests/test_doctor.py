"""`myna doctor`: versions, CUDA, GPUs and a throughput check; a CPU-only machine is reported
as having no GPU, without failing."""

from __future__ import annotations

import json
from importlib import metadata

import pytest
import torch


def test_doctor_reports_versions_and_the_missing_gpu(myna):
    r = myna("doctor", "--json")
    assert r.code == 0, r.err
    report = json.loads(r.out)
    assert report["libraries"]["torch"] == metadata.version("torch")
    assert report["libraries"]["spacy"] == metadata.version("spacy")
    assert report["cuda_usable"] == torch.cuda.is_available()
    assert report["gflops"]["cpu/fp32"] > 0
    assert report["myna_device"] == ("cuda" if torch.cuda.is_available() else "cpu")
    if torch.cuda.is_available():
        assert report["gpus"] and report["gpus"][0]["memory_gib"] > 0
        assert "cuda:0/fp32" in report["gflops"]
    else:
        assert report["gpus"] == [] and report["why_no_gpu"]
        assert not any(key.startswith("cuda") for key in report["gflops"])


@pytest.mark.skipif(torch.cuda.is_available(), reason="the message for a machine without GPU")
def test_doctor_says_no_gpu_in_words(myna):
    r = myna("doctor", "--no-throughput")
    assert r.code == 0, r.err
    assert "no GPU" in r.out and "CPU build" in r.out  # this machine's PyTorch is a CPU build
    assert "Matrix-product throughput" not in r.out


@pytest.mark.skipif(torch.cuda.is_available(), reason="asks for a GPU this machine lacks")
def test_doctor_explains_a_device_setting_the_machine_cannot_meet(myna, monkeypatch):
    monkeypatch.setenv("MYNA_DEVICE", "cuda")
    r = myna("doctor", "--json", "--no-throughput")
    assert r.code == 0, r.err
    assert "no GPU" in json.loads(r.out)["myna_device"]
