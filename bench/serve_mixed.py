"""A normal client beside one that sends the worst requests the limits allow.

    .venv/bin/python bench/serve_mixed.py [--seconds 40] [--baseline-checkout DIR]

`myna serve en_core_web_sm --kb sp500.jsonl` (default limits, 2 workers). A normal client sends
one AG News description at a time to /v1/ner, back to back; in each phase a heavy client sends,
back to back, one kind of worst request: 1,000 one-letter texts to /v1/ner, two 100,000-character
texts to /v1/ner, 25,000 tokens to /v1/analyze, 200,000 characters to /v1/link. One more phase
has two heavy connections at once. With ``--baseline-checkout`` (a checkout of Myna before the
limits, e.g. a `git worktree` of an older commit) the same phases run against that server too.
The normal client's median and p99 latency per phase, the heavy client's answers and the
server's peak memory go to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import psutil
from common import OUT, ROOT, machine, require_shared, today, write_section
from serve_load import free_port, start

BIN = ROOT / ".venv" / "bin"


def corpus() -> list[str]:
    with open(require_shared("ag_news", "dev.csv"), newline="", encoding="utf-8") as f:
        return [r["description"] for r in csv.DictReader(f)]


def news_chars(texts: list[str], n: int) -> str:
    out, size = [], 0
    for t in texts:
        out.append(t)
        size += len(t) + 1
        if size >= n:
            break
    return " ".join(out)[:n]


def within_tokens(text: str, limit: int) -> str:
    """The longest prefix the server counts at most ``limit`` tokens in."""
    from myna.serve.routes.common import TOKEN

    ends = [m.end() for m in TOKEN.finditer(text)]
    return text if len(ends) <= limit else text[:ends[limit - 1]]


def heavy_requests(texts: list[str]) -> dict[str, tuple[str, dict]]:
    analyze_texts = [within_tokens(news_chars(texts[start:], 100_000), 12_500)
                     for start in (2000, 2400)]
    return {
        "none (baseline)": ("", {}),
        "/v1/ner: 1,000 one-letter texts": ("/v1/ner", {"texts": ["a"] * 1000}),
        "/v1/ner: 2 texts × 100,000 characters": (
            "/v1/ner", {"texts": [news_chars(texts[1000:], 100_000),
                                  news_chars(texts[1500:], 100_000)]}),
        f"/v1/analyze: 2 texts × 12,500 tokens "
        f"({sum(map(len, analyze_texts)):,} characters)": (
            "/v1/analyze", {"texts": analyze_texts}),
        "/v1/link: 2 texts × 100,000 characters": (
            "/v1/link", {"texts": [news_chars(texts[2500:], 100_000),
                                   news_chars(texts[3000:], 100_000)]}),
    }


def knowledge_base() -> Path:
    kb = OUT / "sp500.jsonl"
    if not kb.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(BIN / "myna"), "kb", "build", "--from-csv",
                        str(require_shared("sp500", "constituents.csv")), "--id-col", "Symbol",
                        "--name-col", "Security", "--desc-cols",
                        "GICS Sector,GICS Sub-Industry,Headquarters Location", "--out", str(kb)],
                       check=True)
    return kb


class PeakRSS:
    def __init__(self, pid: int):
        self.proc = psutil.Process(pid)
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def now(self) -> float:
        procs = [self.proc, *self.proc.children(recursive=True)]
        return sum(p.memory_info().rss for p in procs) / 2**20

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.peak = max(self.peak, self.now())

    def __enter__(self):
        self.peak = self.now()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def phase(url: str, texts: list[str], heavy: tuple[str, dict], seconds: float,
          heavy_clients: int, server: subprocess.Popen) -> dict:
    stop_at = time.monotonic() + seconds
    latencies: list[float] = []
    normal_codes: Counter = Counter()
    heavy_codes: Counter = Counter()
    heavy_seconds: list[float] = []

    def normal() -> None:
        with httpx.Client(base_url=url, timeout=120) as http:
            i = 0
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                r = http.post("/v1/ner", json={"text": texts[i % len(texts)]})
                latencies.append(1000 * (time.perf_counter() - started))
                normal_codes[r.status_code] += 1
                i += 1

    def attacker() -> None:
        path, body = heavy
        with httpx.Client(base_url=url, timeout=120) as http:
            while time.monotonic() < stop_at:
                started = time.perf_counter()
                try:
                    code = http.post(path, json=body).status_code
                except httpx.HTTPError as err:
                    code = type(err).__name__
                heavy_seconds.append(time.perf_counter() - started)
                heavy_codes[code] += 1

    threads = [threading.Thread(target=normal)]
    if heavy[0]:
        threads += [threading.Thread(target=attacker) for _ in range(heavy_clients)]
    with PeakRSS(server.pid) as rss:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        after = rss.now()
    latencies.sort()
    return {"requests": len(latencies), "p50": statistics.median(latencies),
            "p99": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
            "max": latencies[-1], "normal_codes": dict(normal_codes),
            "heavy_codes": dict(heavy_codes),
            "heavy_median_s": statistics.median(heavy_seconds) if heavy_seconds else None,
            "rss_peak": rss.peak, "rss_after": after}


def run_server(label: str, checkout: Path, kb: Path, texts: list[str], seconds: float,
               env: dict) -> list[dict]:
    port = free_port()
    env = {**env, "PYTHONPATH": str(checkout)}
    cmd = [sys.executable, "-m", "myna.cli.main", "serve", "en_core_web_sm", "--kb", str(kb),
           "--port", str(port)]
    server = start(cmd, port, env)
    url = f"http://127.0.0.1:{port}"
    rows = []
    try:
        for _ in range(50):  # warm-up
            httpx.post(f"{url}/v1/ner", json={"text": texts[0]}, timeout=60)
        phases = list(heavy_requests(texts).items())
        phases.append(("two connections: 2 texts × 100,000 characters to /v1/ner",
                       phases[2][1]))
        for name, heavy in phases:
            clients = 2 if name.startswith("two connections") else 1
            result = phase(url, texts, heavy, seconds, clients, server)
            result.update(server=label, heavy=name)
            print(result, flush=True)
            rows.append(result)
            time.sleep(2)
    finally:
        server.terminate()
        server.wait(timeout=60)
    return rows


def codes(counts: dict) -> str:
    return ", ".join(f"{n} × {code}" for code, n in sorted(counts.items(), key=str)) or "–"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=40)
    ap.add_argument("--baseline-checkout", type=Path, default=None,
                    help="A checkout of Myna before the limits, run with the same venv.")
    args = ap.parse_args()
    home = OUT / "serve-mixed-home"
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MYNA_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    kb = knowledge_base()
    rows = run_server("this checkout", ROOT, kb, corpus(), args.seconds, env)
    if args.baseline_checkout:
        rows += run_server(f"before ({args.baseline_checkout.name})", args.baseline_checkout,
                           kb, corpus(), args.seconds, env)
    alone = {r["server"]: r["p99"] for r in rows if r["heavy"].startswith("none")}
    table = "\n".join(
        f"| {r['server']} | {r['heavy']} | {r['requests']:,} | {r['p50']:.1f} | "
        f"{r['p99']:.1f} | {r['p99'] / alone[r['server']]:.1f}× | {r['max']:.0f} | "
        f"{codes(r['normal_codes'])} | {codes(r['heavy_codes'])} | "
        f"{r['rss_peak']:.0f} / {r['rss_after']:.0f} |" for r in rows)
    body = f"""### Serving: a normal client beside the worst requests the limits allow

Command: `.venv/bin/python bench/serve_mixed.py --seconds {args.seconds:g}{
        ' --baseline-checkout ' + str(args.baseline_checkout) if args.baseline_checkout else ''}`
Date: {today()} · Machine: {machine()} · one run of {args.seconds:g} s per phase.
Server: `myna serve en_core_web_sm --kb sp500.jsonl` with default limits (2 worker processes, 1,000
texts / 200,000 characters / 25,000 analysis tokens per request, 20,000 characters per model
call, 30 s timeout). The normal client posts one AG News description at a time to /v1/ner; the
heavy client posts the phase's request back to back (both on loopback, sharing the 2 cores).

| server | heavy client sends | normal requests | p50 ms | p99 ms | p99 vs alone | max ms | normal answers | heavy answers | server RSS MiB peak / after |
|---|---|---:|---:|---:|---:|---:|---|---|---:|
{table}

Target: the normal client's p99 under 100 ms while the heavy client runs.
"""
    write_section("serve-mixed", body)
    print(body)


if __name__ == "__main__":
    main()
