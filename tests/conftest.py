from __future__ import annotations

import io
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Rich fixes a console's width when COLUMNS is set as it is made, and pytest-xdist's workers
# start with COLUMNS=80: set it before Myna's consoles exist, so tables and paths fit.
os.environ["COLUMNS"] = "200"


# A test that needs a system package skips with one of these reasons, and the run ends with a
# banner naming them: `make test` as root installs them (scripts/test-deps.sh).

def pytest_terminal_summary(terminalreporter):
    missing = [r for r in terminalreporter.stats.get("skipped", [])
               if "SYSTEM PACKAGE MISSING" in str(r.longrepr)]
    if missing:
        terminalreporter.write_sep("!", f"{len(missing)} tests SKIPPED because a system package "
                                        "is missing: run `make test` as root, or see "
                                        "scripts/test-deps.sh", red=True, bold=True)


# `make test-fast` leaves these out: they start Spark, PostgreSQL, browsers, Streamlit or
# other processes, or train models.
SLOW_MODULES = {"test_batch_spark", "test_registry", "test_app", "test_app_browser",
                "test_annotate_browser", "test_annotate_durability", "test_shutdown",
                "test_demo", "test_jobs", "test_train", "test_serve_limits"}


BROWSER_MODULES = {"test_app_browser", "test_annotate_browser"}


def pytest_collection_modifyitems(config, items):
    """Markers by what a test starts: `-m spark`, `-m postgres`, `-m browser`, `-m "not slow"`."""
    for item in items:
        module = item.module.__name__
        kinds = []
        if module == "test_batch_spark" or "spark" in item.name:
            kinds.append("spark")
        if "postgresql" in item.nodeid:
            kinds.append("postgres")
        if module in BROWSER_MODULES:
            kinds.append("browser")
        if kinds or module in SLOW_MODULES:
            kinds.append("slow")
        for kind in kinds:
            item.add_marker(kind)


@pytest.fixture(autouse=True)
def myna_home(tmp_path, monkeypatch):
    monkeypatch.setenv("MYNA_HOME", str(tmp_path / "myna-home"))
    monkeypatch.delenv("MYNA_MODEL", raising=False)
    # mlflow.pyfunc.spark_udf exports the tracking URI for its workers; each test has its own.
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
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


SPORT_TEXTS = ["The team won the match", "A striker scored twice", "The coach praised the players",
               "Fans cheered the late goal", "The league title race tightened"]
BUSINESS_TEXTS = ["Shares fell on the stock market", "The bank raised interest rates",
                  "Quarterly profits rose sharply", "Investors sold their stocks",
                  "The company cut hundreds of jobs"]


@pytest.fixture(scope="session")
def textcat_pipeline(tmp_path_factory):
    """A small Sports/Business classifier trained once per test session (a spaCy directory)."""
    import csv
    import random

    from myna.train.runner import TrainSpec, train

    root = tmp_path_factory.mktemp("textcat-pipeline")
    rng = random.Random(0)
    with open(root / "news.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        for i in range(40):
            w.writerow([f"{rng.choice(SPORT_TEXTS)} on day {i}.", "Sports"])
            w.writerow([f"{rng.choice(BUSINESS_TEXTS)} on day {i}.", "Business"])
    old_home = os.environ.get("MYNA_HOME")
    os.environ["MYNA_HOME"] = str(root / "home")
    try:
        result = train(TrainSpec(task="textcat", source=root / "news.csv", output=root / "out",
                                 label_column="label", epochs=4, profile=False))
    finally:
        if old_home is None:
            os.environ.pop("MYNA_HOME", None)
        else:
            os.environ["MYNA_HOME"] = old_home
    return result.model


@contextmanager
def serving(asgi_app, **http_limits):
    """Run an ASGI app under a real uvicorn server, configured as Myna's servers run it, on a
    free loopback port; yield its URL."""
    import socket
    import threading
    import time

    import uvicorn

    from myna.core.web.server import server_config

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(server_config(asgi_app, "127.0.0.1", port, **http_limits))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
