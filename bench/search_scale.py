"""Search at scale: a Myna index of 1,000,000 MiniLM vectors (the 8,000 AG News train
descriptions' real embeddings plus perturbed copies of them, so neighbourhoods look like real
ones) against sentence-transformers' `util.semantic_search` (exact, the book-era tool), then
`POST /v1/search` under 16 clients with the query encoded by the server.

    .venv/bin/python bench/search_scale.py [--size 1000000] [--seconds 30]

Steps run in their own processes so each one's peak memory is its own: `build` (the index
through `IndexStore`, as `myna index build` does after embedding; embedding 1M texts would
take hours on 2 cores, so the copies' vectors are made, not encoded) and `query` (open the
index, recall@10 and queries/s, one client, query vectors encoded beforehand, as the anchor's).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time

import numpy as np
from common import OUT, ROOT, machine, median, today, write_section
from search_quality import read

INDEX = OUT / "index_1m"
QUERIES = 500  # dev descriptions: recall@10 and Myna's queries/s
ANCHOR_QUERIES = 50  # exact searches over 1M are slow
PASSES = 3  # queries/s is the median of this many passes
# Noise on the copies: σ 0.068 puts a copy at cosine 0.60 (median) from its source, as close
# as a real train text is to its nearest other train text (0.59); σ 0.02 (the engine probe's)
# makes each text a tight cluster of ~125 near-duplicates, a stress case for graph indexes.
SIGMA = 0.068
EF_SWEEP = (64, 128, 256, 512)  # besides the build's choice: `--ef-search` per query
TARGET = 0.95


def vectors(name: str) -> np.ndarray:
    """Normalised MiniLM embeddings of a split's descriptions (cached in bench/out)."""
    import myna
    from myna.search.store import normalised

    cache = OUT / f"ag_{name}_minilm.npy"
    if not cache.exists():
        texts, _ = read(f"{name}.csv")
        np.save(cache, normalised(myna.load(None, kind="sentence-transformers").encode(texts)))
    return np.load(cache)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def corpus(size: int, sigma: float) -> tuple[np.ndarray, list[int]]:
    """Real vectors first, then noisy copies; each entry's source row in train."""
    base = vectors("train")
    rng = np.random.default_rng(0)
    parts, sources = [base], list(range(len(base)))
    while sum(len(p) for p in parts) < size:
        parts.append(base + rng.normal(0, sigma, base.shape).astype(np.float32))
        sources += range(len(base))
    x = np.vstack(parts)[:size]
    return x / np.linalg.norm(x, axis=1, keepdims=True), sources[:size]


def real_neighbour_cosine(sample: int = 2000) -> float:
    """Median cosine of a train text to its nearest other train text (what copies imitate)."""
    base = vectors("train")
    scores = base[:sample] @ base.T
    np.fill_diagonal(scores[:, :sample], -1)
    return float(np.median(scores.max(axis=1)))


def step_build(size: int, sigma: float) -> dict:
    from myna.models.index_backend import load_encoder
    from myna.search.exact import settle_breadth
    from myna.search.store import IndexStore

    texts, labels = read("train.csv")
    x, sources = corpus(size, sigma)
    copies = x[len(texts):2 * len(texts)]
    copy_cos = float(np.median((copies * x[:len(copies)]).sum(axis=1)))
    ids = [f"{s}" if n < len(texts) else f"{s}-{n // len(texts)}" for n, s in enumerate(sources)]
    _, entry = load_encoder(None)
    shutil.rmtree(INDEX, ignore_errors=True)
    started = time.perf_counter()
    store = IndexStore(INDEX, entry, x.shape[1], meta_columns=["category"],
                       build={"source": "bench/search_scale.py", "engine": "auto"})
    store.add(ids, [texts[s] for s in sources], x, {"category": [labels[s] for s in sources]})
    graph_s = time.perf_counter() - started
    settle_breadth(store)
    store.save()
    total_s = time.perf_counter() - started
    size_mib = {ext: sum(f.stat().st_size for f in INDEX.glob(f"*{ext}")) / 2**20
                for ext in (".npy", ".hnsw", ".parquet")}
    return {"build_s": total_s, "graph_s": graph_s, "copy_cos": copy_cos,
            "real_nn": real_neighbour_cosine(), "engine": store.engine,
            "build_recall": store.recall_at_10, "ef": store.ef_search, "disk_mib": size_mib, "peak_mib": peak_mib()}


def step_query() -> dict:
    from myna.search.exact import search
    from myna.search.store import IndexStore

    started = time.perf_counter()
    store = IndexStore.open(INDEX)
    open_s, open_mib = time.perf_counter() - started, peak_mib()
    queries = vectors("dev")[:QUERIES]
    corpus_x = np.asarray(store.segments[0].vectors)
    truth = [np.argsort(-(queries[i:i + 50] @ corpus_x.T), axis=1)[:, :10]
             for i in range(0, len(queries), 50)]
    ids = store.segments[0].ids
    truth_ids = [{ids[r] for r in row} for block in truth for row in block]
    rates, found = [], []
    for _ in range(PASSES):
        t0 = time.perf_counter()
        found = [search(store, q[None, :], 10)[0] for q in queries]
        rates.append(len(queries) / (time.perf_counter() - t0))
    recall = np.mean([len({h.id for h in f} & t) / 10
                      for f, t in zip(found, truth_ids, strict=True)])
    sweep = {}
    for ef in EF_SWEEP:  # the median of the passes, as for the default
        passes = []
        for _ in range(PASSES):
            t0 = time.perf_counter()
            got = [search(store, q[None, :], 10, ef_search=ef)[0] for q in queries]
            passes.append(len(queries) / (time.perf_counter() - t0))
        sweep[ef] = (median(passes),
                     float(np.mean([len({h.id for h in f} & t) / 10
                                    for f, t in zip(got, truth_ids, strict=True)])))
    exact_rates = []
    for _ in range(PASSES):
        t0 = time.perf_counter()
        for q in queries[:ANCHOR_QUERIES]:
            search(store, q[None, :], 10, exact=True)
        exact_rates.append(ANCHOR_QUERIES / (time.perf_counter() - t0))
    return {"open_s": open_s, "open_mib": open_mib, "qps": median(rates), "qps_all": rates,
            "ef": store.ef_search,
            "sweep": sweep,
            "recall": float(recall), "exact_qps": median(exact_rates), "peak_mib": peak_mib()}


def anchor() -> dict:
    """`util.semantic_search` as its docs show it (cos_sim) and with dot_score on normalised
    vectors (its faster form), one query at a time, on the same vectors."""
    import torch
    from sentence_transformers import util

    torch.set_num_threads(os.cpu_count() or 1)
    corpus_t = torch.from_numpy(np.load(next(INDEX.glob("seg-*.npy"))))
    queries = torch.from_numpy(vectors("dev")[:ANCHOR_QUERIES])
    out = {}
    for name, score in (("cos_sim", util.cos_sim), ("dot_score", util.dot_score)):
        rates = []
        for _ in range(PASSES):
            t0 = time.perf_counter()
            for q in queries:
                util.semantic_search(q[None, :], corpus_t, top_k=10, score_function=score)
            rates.append(ANCHOR_QUERIES / (time.perf_counter() - t0))
        out[name] = median(rates)
    return out


def encode_ms(n: int = 50) -> float:
    """Median milliseconds to embed one dev title with the bundled MiniLM, in this process."""
    import myna

    titles, _ = read("dev.csv", "title")
    encoder = myna.load(None, kind="sentence-transformers")
    encoder.encode(titles[:8])  # warm-up
    times = []
    for title in titles[:n]:
        t0 = time.perf_counter()
        encoder.encode([title])
        times.append(1000 * (time.perf_counter() - t0))
    return median(times)


def serve_load(seconds: float, clients: int, queries: str) -> dict:
    """`bench/serve_load.py`'s load generator: a 5 s warm-up, then the timed run; queries are
    the dev titles (search-box length) or descriptions."""
    import csv

    from common import require_shared
    from serve_load import free_port, measure

    with open(require_shared("ag_news", "dev.csv"), newline="", encoding="utf-8") as f:
        texts = [r[queries] for r in csv.DictReader(f)]
    home = OUT / "myna-home"
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "MYNA_HOME": str(home)}
    port = free_port()
    cmd = [str(ROOT / ".venv" / "bin" / "myna"), "serve", str(INDEX), "--port", str(port)]
    result = measure(f"{queries}s, {clients} client(s)", cmd, port, "/v1/search",
                     lambda t: {"query": t, "k": 10}, texts,
                     argparse.Namespace(seconds=seconds, clients=clients), env)
    return {**result, "clients": clients}


def in_process(step: str, *args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--step", step, *args], check=True,
                          capture_output=True, text=True, cwd=ROOT / "bench")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--sigma", type=float, default=SIGMA)
    ap.add_argument("--step", choices=("build", "query"))
    args = ap.parse_args()
    if args.step:
        print(json.dumps(step_build(args.size, args.sigma) if args.step == "build"
                         else step_query()))
        return
    vectors("train"), vectors("dev")  # cached before anything is timed
    built = in_process("build", "--size", str(args.size), "--sigma", str(args.sigma))
    print(built, flush=True)
    queried = in_process("query")
    print(queried, flush=True)
    anchors = anchor()
    print(anchors, flush=True)
    queried["encode_ms"] = encode_ms()
    served = [serve_load(args.seconds, clients, queries)
              for queries, clients in (("title", args.clients), ("description", args.clients),
                                       ("title", 1))]
    write_section("search-scale", report(args, built, queried, anchors, served))
    print(report(args, built, queried, anchors, served))


def report(args, built: dict, queried: dict, anchors: dict, served: list[dict]) -> str:
    best = max(anchors.values())
    disk = built["disk_mib"]
    sweep = "\n".join(
        f"| Myna, `--ef-search {ef}` | {qps:,.0f} | {qps / best:.0f}× | {rec:.3f} |"
        for ef, (qps, rec) in queried["sweep"].items())
    enough = [(int(ef), qps) for ef, (qps, rec) in queried["sweep"].items() if rec >= TARGET]
    verdict = (f"At recall@10 ≥ {TARGET}: `--ef-search {enough[0][0]}`, {enough[0][1]:,.0f} "
               f"queries/s, {enough[0][1] / best:.0f}× `semantic_search`." if enough else
               f"No breadth tried reaches recall@10 {TARGET}.")
    load_rows = "\n".join(
        f"| {s['name']} | {s['requests']:,} | {s['rps']:.0f} | {s['p50']:.1f} | {s['p95']:.1f} | "
        f"{s['p99']:.1f} | {s['errors']} | {s['rss_before']:,.0f} → {s['rss_after']:,.0f} |"
        for s in served)
    return f"""### Search at scale: 1M vectors, Myna vs `util.semantic_search`, and `/v1/search`

Command: `.venv/bin/python bench/search_scale.py --size {args.size} --sigma {args.sigma} --seconds {args.seconds:g}`
Date: {today()} · Machine: {machine()}

Corpus: {args.size:,} normalised 384-dimension vectors: MiniLM embeddings of the 8,000
`ag_news/train.csv` descriptions and perturbed copies (Gaussian noise σ {args.sigma}, renormalised;
a copy's cosine to its source: median {built['copy_cos']:.2f}, where a real train text's nearest
other train text is at {built['real_nn']:.2f}), each with its text and category. Queries: MiniLM embeddings
of `ag_news/dev.csv` descriptions (not in the corpus), encoded beforehand for both sides, one
query at a time; queries/s is the median of {PASSES} passes ({QUERIES} queries for Myna, {ANCHOR_QUERIES} for the exact searches).
Recall@10 against exact search (NumPy) on the {QUERIES} queries.

| search | queries/s | vs `semantic_search` | recall@10 |
|---|---:|---:|---:|
| `util.semantic_search`, cos_sim (its default) | {anchors['cos_sim']:,.1f} | {anchors['cos_sim'] / best:.2f}× | 1.000 |
| `util.semantic_search`, dot_score on normalised vectors | {anchors['dot_score']:,.1f} | {anchors['dot_score'] / best:.2f}× | 1.000 |
| Myna, exact engine | {queried['exact_qps']:,.1f} | {queried['exact_qps'] / best:.2f}× | 1.000 |
| **Myna, `--engine auto` (FAISS HNSW, efSearch {queried['ef']} chosen by the build)** | **{queried['qps']:,.0f}** | **{queried['qps'] / best:.0f}×** | **{queried['recall']:.3f}** |
{sweep}

Ratios are against the faster `semantic_search` form. Myna's passes at the build's choice:
{', '.join(f'{q:,.0f}' for q in queried['qps_all'])} queries/s. **{verdict}**

| index | |
|---|---:|
| build (graph {built['graph_s']:.0f} s, recall check, write) | {built['build_s']:.0f} s |
| recall@10 the build reported (200 of its own entries as queries; it widens the search from efSearch 64 until this reaches 0.95, at most 512) | {built['build_recall']:.3f} at efSearch {built['ef']} |
| on disk: vectors `.npy` / HNSW graph with its vectors `.hnsw` / ids, texts, metadata `.parquet` | {disk['.npy']:,.0f} / {disk['.hnsw']:,.0f} / {disk['.parquet']:,.0f} MiB |
| peak memory, building (process RSS) | {built['peak_mib']:,.0f} MiB |
| open the index | {queried['open_s']:.1f} s, {queried['open_mib']:,.0f} MiB RSS |
| peak memory of the query step (the index, plus this script's exact top 10s) | {queried['peak_mib']:,.0f} MiB |

`POST /v1/search` (`myna serve` on the index, query encoded by the bundled MiniLM in the server,
k 10), clients on loopback sending `ag_news/dev.csv` titles or descriptions back to back for
{args.seconds:g} s after a 5 s warm-up (the load generator shares the 2 cores): one run each.

| queries, clients | requests | req/s | p50 ms | p95 ms | p99 ms | errors | server RSS MiB before → after |
|---|---:|---:|---:|---:|---:|---:|---:|
{load_rows}

Goals: ≥ 20× `semantic_search`'s queries/s at recall@10 ≥ 0.95; `/v1/search` p99 < 30 ms.
{_latency_note(served, queried)}
"""


def _latency_note(served: list[dict], queried: dict) -> str:
    busy, alone = served[0], served[-1]
    needed = busy["clients"] / 0.030
    verdict = "met" if busy["p99"] < 30 else "not met"
    search_ms = 1000 / queried["qps"]
    return f"""With {busy['clients']} clients the p99 goal is {verdict}: {busy['p99']:.0f} ms. Each query
costs embedding it ({queried['encode_ms']:.1f} ms for one title, median, in-process) plus the graph search ({search_ms:.1f}
ms at the build's breadth); the server answered {busy['rps']:.0f} title queries/s, so
{busy['clients']} clients that always have a request outstanding wait about
{busy['clients']} / {busy['rps']:.0f} = {1000 * busy['clients'] / busy['rps']:.0f} ms on average (Little's law). A p99 under
30 ms for {busy['clients']} such clients needs over {needed:,.0f} queries/s. One client: p99
{alone['p99']:.1f} ms."""


if __name__ == "__main__":
    main()
