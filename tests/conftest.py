from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(autouse=True)
def myna_home(tmp_path, monkeypatch):
    monkeypatch.setenv("MYNA_HOME", str(tmp_path / "myna-home"))
    monkeypatch.delenv("MYNA_MODEL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def myna(capsys, monkeypatch):
    """Run the `myna` CLI in-process (models stay loaded between calls)."""
    from myna.cli.main import main

    def run(*args: str, stdin: str | None = None) -> Result:
        monkeypatch.setattr(sys, "argv", ["myna", *map(str, args)])
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def build_tiny_bert(path, words: list[str], hidden: int = 16):
    """A tiny BERT the test builds itself: AutoConfig → from_config → save_pretrained."""
    import torch
    from transformers import AutoConfig, AutoModel, BertTokenizer

    torch.manual_seed(0)  # the same tiny model every run

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *sorted(set(words))]
    path.mkdir(parents=True, exist_ok=True)
    (path / "vocab.txt").write_text("\n".join(vocab))
    config = AutoConfig.for_model("bert", vocab_size=len(vocab), hidden_size=hidden,
                                  num_hidden_layers=1, num_attention_heads=2,
                                  intermediate_size=2 * hidden, max_position_embeddings=64)
    AutoModel.from_config(config).save_pretrained(path)
    BertTokenizer(vocab=str(path / "vocab.txt")).save_pretrained(path)
    return path
