"""Where from-scratch models train: `--device auto` picks the CPU on a machine without a GPU,
`--device cuda` and mixed precision on the CPU are refused before any training with what to
use instead, and the run records the device and precision it used. (CI has no GPU: the GPU
path itself is measured on a GPU machine, see BENCHMARKS.md.)"""

from __future__ import annotations

import mlflow
import pytest
import torch

from myna.core.errors import InputError
from myna.core.tracking import setup_mlflow
from myna.train.device import placement

needs_no_gpu = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only path")


@needs_no_gpu
def test_the_cpu_is_chosen_and_gpu_only_settings_are_refused():
    assert placement("auto", "auto").device == "cpu"
    assert placement("cpu", None).precision == "fp32"
    with pytest.raises(InputError, match="no GPU") as err:
        placement("cuda", None)
    assert err.value.where == "--device"
    with pytest.raises(InputError, match="GPU") as err:
        placement("cpu", "bf16")
    assert err.value.where == "--precision"
    with pytest.raises(InputError, match="fp32, fp16, bf16"):
        placement("cpu", "int8")


@needs_no_gpu
@pytest.mark.slow  # trains a model
def test_training_records_its_device_and_refuses_a_missing_gpu(myna, tmp_path):
    data = tmp_path / "news.csv"
    data.write_text("text,label\n" + "".join(f'"On day {i}, the team won.",Sports\n'
                                             f'"On day {i}, the bank fell.",Business\n'
                                             for i in range(20)))
    r = myna("train", "textcat", data, "-l", "label", "-o", tmp_path / "gpu", "--base", "gru",
             "--device", "cuda")
    assert r.code != 0 and "--device" in r.err and not (tmp_path / "gpu").exists()
    r = myna("train", "textcat", data, "-l", "label", "-o", tmp_path / "blank", "--device",
             "cpu")
    assert r.code != 0 and "from-scratch" in r.err
    r = myna("train", "textcat", data, "-l", "label", "-o", tmp_path / "m", "--base", "gru",
             "--device", "auto", "--epochs", "1")
    assert r.code == 0, r.err
    setup_mlflow()
    params = mlflow.search_runs(experiment_names=["myna"], output_format="list")[0].data.params
    assert (params["device"], params["precision"]) == ("cpu", "fp32")


@needs_no_gpu
@pytest.mark.slow  # fine-tunes a tiny transformer
def test_transformer_fine_tuning_takes_device_and_precision(myna, tmp_path):
    import json

    from conftest import build_tiny_bert

    base = build_tiny_bert(tmp_path / "tiny-bert", ["the", "team", "won", "bank", "fell", "on",
                                                    "day"], hidden=16)
    data = tmp_path / "news.csv"
    data.write_text("text,label\n" + "".join(f'"the team won on day {i}",Sports\n'
                                             f'"the bank fell on day {i}",Business\n'
                                             for i in range(10)))
    for option, value in (("--precision", "bf16"), ("--device", "cuda")):
        r = myna("train", "textcat", data, "-l", "label", "--base", f"transformer:{base}",
                 option, value, "-o", tmp_path / value)
        assert r.code != 0 and option in r.err and not (tmp_path / value).exists()
    r = myna("train", "ner", data, "--device", "cpu", "-o", tmp_path / "spacy")
    assert r.code != 0 and "spaCy's own pipelines train on the CPU" in " ".join(r.err.split())
    r = myna("train", "textcat", data, "-l", "label", "--base", f"transformer:{base}",
             "--device", "cpu", "--precision", "fp32", "--epochs", "1", "-o", tmp_path / "hf")
    assert r.code == 0, r.err
    ran = json.loads((tmp_path / "hf" / "train_config.json").read_text())
    assert (ran["device"], ran["precision"]) == ("cpu", "fp32")
    assert ran["training_args"]["use_cpu"] and not ran["training_args"]["bf16"]
    setup_mlflow()
    params = mlflow.search_runs(experiment_names=["myna"], output_format="list")[0].data.params
    assert (params["device"], params["precision"]) == ("cpu", "fp32")


def test_onnx_runtime_takes_cuda_only_where_the_build_has_it():
    from myna.models.onnx_component import providers

    gpu_build = ["CUDAExecutionProvider", "CPUExecutionProvider"]
    assert providers("cuda", gpu_build) == gpu_build
    assert providers("cuda:0", gpu_build)[0] == "CUDAExecutionProvider"
    assert providers("cuda", ["CPUExecutionProvider"]) == ["CPUExecutionProvider"]
    assert providers("cpu", gpu_build) == ["CPUExecutionProvider"]


@needs_no_gpu
def test_serve_and_batch_refuse_a_gpu_the_machine_lacks_before_loading(myna, tmp_path,
                                                                       monkeypatch):
    monkeypatch.delenv("MYNA_DEVICE", raising=False)
    r = myna("serve", "no-such-model", "--device", "cuda")
    assert r.code == 1 and "sees no GPU" in r.err
    (tmp_path / "in.csv").write_text("text\nhello\n")
    r = myna("batch", "run", "-i", tmp_path / "in.csv", "-o", tmp_path / "out.parquet",
             "--device", "cuda")
    assert r.code == 1 and "sees no GPU" in r.err and not (tmp_path / "out.parquet").exists()
    r = myna("batch", "run", "-i", tmp_path / "in.csv", "-o", tmp_path / "out.parquet",
             "--precision", "int4")
    assert r.code == 1 and "int4" in r.err
