"""Serving the ONNX int8 classifier against the PyTorch one it was exported from: `myna serve`
under 16 clients sending single texts, requests/s and latency percentiles, in one run.

    .venv/bin/python bench/serve_onnx.py [--seconds 60] [--clients 16]

The models are `bench/export_onnx.py`'s: MiniLM fine-tuned on 800 AG News labels (PyTorch,
as Myna runs it: bf16 autocast on CPUs with native bf16) and its ONNX int8 export. Both are
served with the defaults (2 worker processes); texts cycle through AG News dev descriptions.
Goal (issue 19): int8 ≥ 2× the PyTorch model's requests/s at p99 < 50 ms.
"""

from __future__ import annotations

import os

from common import OUT, machine, today, write_section
from serve_load import BIN, free_port, load_options, measure, texts


def main() -> None:
    args = load_options()
    home = OUT / "serve-home"
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MYNA_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    models = {"PyTorch (bf16 autocast)": OUT / "textcat_transformer_tp" / "model-best",
              "ONNX int8": OUT / "onnx_int8"}
    for path in models.values():
        if not path.is_dir():
            raise SystemExit(f"{path} is missing: run bench/export_onnx.py first")
    corpus = texts()
    rows = []
    for name, path in models.items():
        port = free_port()
        rows.append(measure(f"{name} · /v1/classify", [str(BIN / "myna"), "serve", str(path),
                                                       "--port", str(port)],
                            port, "/v1/classify", lambda t: {"text": t}, corpus, args, env))
    base = rows[0]["rps"]
    table = "\n".join(
        f"| {r['name']} | {r['requests']:,} | {r['rps']:.1f} | {r['rps'] / base:.2f}× | "
        f"{r['p50']:.0f} | {r['p95']:.0f} | {r['p99']:.0f} | {r['errors']} | "
        f"{r['rss_before']:.0f} → {r['rss_after']:.0f} |" for r in rows)
    body = f"""### Serving the ONNX int8 classifier (issue 19)

Command: `.venv/bin/python bench/serve_onnx.py --seconds {args.seconds:g} --clients {args.clients}`
Date: {today()} · Machine: {machine()} · one run of {args.seconds:g} s per server after a 5 s
warm-up; {args.clients} concurrent clients on loopback (the load generator shares the 2 cores);
`myna serve` defaults (2 worker processes, dynamic batching). Model: MiniLM fine-tuned on 800
AG News labels and its ONNX int8 export (`bench/export_onnx.py`); single-text requests.

| model · route | requests | req/s | vs PyTorch | p50 ms | p95 ms | p99 ms | errors | server RSS MiB before → after |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
{table}

Goal: int8 ≥ 2× the PyTorch model's requests/s, at p99 < 50 ms.
"""
    write_section("serve-onnx", body)
    print(body)


if __name__ == "__main__":
    main()
