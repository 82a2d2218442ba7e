"""Serving under load: `myna serve` against `mlflow models serve` (the book's path) on the same
text classifier, then Myna's NER alone (MLflow's spaCy flavor cannot serve NER).

    .venv/bin/python bench/serve_load.py [--seconds 60] [--clients 16]

16 clients on loopback each send single-text requests back to back for 60 s. The classifier is
spaCy's efficiency textcat trained on 800 AG News labels; MLflow serves it logged with
`mlflow.spacy.log_model` (`--env-manager local`, its default single worker), Myna serves the
same pipeline directory. Texts cycle through AG News dev descriptions.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import socket
import subprocess
import sys
import time

import aiohttp
import httpx
import psutil
from common import OUT, ROOT, machine, require_shared, today, write_section

BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def texts() -> list[str]:
    with open(require_shared("ag_news", "dev.csv"), newline="", encoding="utf-8") as f:
        return [r["description"] for r in csv.DictReader(f)][:2000]


def classifier() -> str:
    path = OUT / "textcat_blank_200" / "model-best"
    if not path.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "train_textcat.py"), "--per-class",
                        "200", "--base", "blank"], check=True, cwd=ROOT / "bench")
    return str(path)


def start(cmd: list[str], port: int, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            cwd=env["MYNA_HOME"])
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server failed: {' '.join(cmd)}\n{proc.stderr.read().decode()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"server did not start: {' '.join(cmd)}")


def tree_rss(proc: subprocess.Popen) -> float:
    p = psutil.Process(proc.pid)
    return sum(x.memory_info().rss for x in [p, *p.children(recursive=True)]) / 2**20


async def load(url: str, body_of, corpus: list[str], seconds: float, clients: int) -> dict:
    """``clients`` keep-alive connections, each posting one text at a time (aiohttp: the
    load generator shares the CPU with the server, so it should be cheap)."""
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=30)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        async def client(k: int) -> None:
            nonlocal errors
            i = k
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                try:
                    async with http.post(url, json=body_of(corpus[i % len(corpus)])) as r:
                        await r.read()
                        ok = r.status == 200
                except (aiohttp.ClientError, TimeoutError):
                    ok = False
                latencies.append(time.perf_counter() - started)
                errors += not ok
                i += clients

        began = time.perf_counter()
        await asyncio.gather(*(client(k) for k in range(clients)))
        wall = time.perf_counter() - began
    latencies.sort()

    def pct(q: float) -> float:
        return 1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    return {"requests": len(latencies), "rps": len(latencies) / wall, "p50": pct(0.50),
            "p95": pct(0.95), "p99": pct(0.99), "errors": errors}


def measure(name, cmd, port, url_path, body_of, corpus, args, env) -> dict:
    proc = start(cmd, port, env)
    try:
        url = f"http://127.0.0.1:{port}{url_path}"
        asyncio.run(load(url, body_of, corpus, 5, args.clients))  # warm-up
        before = tree_rss(proc)
        result = asyncio.run(load(url, body_of, corpus, args.seconds, args.clients))
        result.update(name=name, rss_before=before, rss_after=tree_rss(proc))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    print(result, flush=True)
    return result


def _ratio(row: dict, base: float) -> str:
    return "–" if "/v1/ner" in row["name"] else f"{row['rps'] / base:.2f}×"


def load_options() -> argparse.Namespace:
    """``--seconds`` and ``--clients`` of a load run (this script's and serve_onnx.py's)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--clients", type=int, default=16)
    return ap.parse_args()


def main() -> None:
    args = load_options()
    home = OUT / "serve-home"
    env = {**os.environ, "MYNA_HOME": str(home), "HF_HUB_OFFLINE": "1",
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # mlflow runs `uvicorn`
           "MLFLOW_TRACKING_URI": f"sqlite:///{home / 'mlflow.db'}"}
    home.mkdir(parents=True, exist_ok=True)
    model_dir = classifier()
    log = subprocess.run([sys.executable, "-c", (
        "import mlflow, spacy, sys\n"
        f"mlflow.set_tracking_uri('sqlite:///{home / 'mlflow.db'}')\n"
        "with mlflow.start_run():\n"
        f"    info = mlflow.spacy.log_model(spacy.load('{model_dir}'), name='model')\n"
        "print(info.model_uri)\n")], env=env, check=True, capture_output=True, text=True,
        cwd=home)  # MLflow's default artifact root is ./mlruns
    mlflow_uri = log.stdout.strip().splitlines()[-1]
    corpus = texts()
    # MLflow's spaCy flavor wants a one-column DataFrame, so both get `dataframe_split`.
    invocation = lambda t: {"dataframe_split": {"columns": ["text"], "data": [[t]]}}  # noqa: E731
    rows = []
    port = free_port()
    rows.append(measure("MLflow `mlflow models serve` (spaCy flavor) · /invocations",
                        [str(BIN / "mlflow"), "models", "serve", "-m", mlflow_uri, "-p", str(port),
                         "--env-manager", "local", "-h", "127.0.0.1"],
                        port, "/invocations", invocation, corpus, args, env))
    port = free_port()
    rows.append(measure("myna serve · /invocations", [str(BIN / "myna"), "serve", model_dir,
                                                      "--port", str(port)],
                        port, "/invocations", invocation, corpus, args, env))
    port = free_port()
    rows.append(measure("myna serve · /v1/classify", [str(BIN / "myna"), "serve", model_dir,
                                                      "--port", str(port)],
                        port, "/v1/classify", lambda t: {"text": t}, corpus, args, env))
    port = free_port()
    rows.append(measure("myna serve en_core_web_sm · /v1/ner (NER; MLflow cannot serve it)",
                        [str(BIN / "myna"), "serve", "en_core_web_sm", "--port", str(port)],
                        port, "/v1/ner", lambda t: {"text": t}, corpus, args, env))
    base = rows[0]["rps"]
    table = "\n".join(
        f"| {r['name']} | {r['requests']:,} | {r['rps']:.0f} | "
        f"{_ratio(r, base)} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | "
        f"{r['errors']} | {r['rss_before']:.0f} → {r['rss_after']:.0f} |" for r in rows)
    body = f"""### Serving under load: `myna serve` vs `mlflow models serve`

Command: `.venv/bin/python bench/serve_load.py --seconds {args.seconds:g} --clients {args.clients}`
Date: {today()} · Machine: {machine()} · one run of {args.seconds:g} s per server after a 5 s
warm-up; {args.clients} concurrent clients on loopback (the load generator shares the 2 cores).
Model: spaCy efficiency textcat trained on 800 AG News labels; single-text requests.

| server · route | requests | req/s | vs MLflow | p50 ms | p95 ms | p99 ms | errors | server RSS MiB before → after |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
{table}

Targets: ≥ 3× MLflow's requests/s, p99 < 50 ms, 0 errors, no memory growth.
"""
    write_section("serve-load", body)
    print(body)


if __name__ == "__main__":
    main()
