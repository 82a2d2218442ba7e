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
