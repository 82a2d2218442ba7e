"""The annotation store at scale: `myna annotate db-in` of 100,000 texts, and the time to get
the next task from a running server with 1,000,000 texts in the dataset, on SQLite and on a
PostgreSQL server on loopback.

    .venv/bin/python bench/annotate_store.py [--backends sqlite,postgresql] [--repeats 3]

Texts are AG News descriptions (train + dev, 11,800) cycled, each copy numbered so all are
distinct (a repeated text would be skipped as a duplicate). `db-in` runs as a subprocess,
timed end to end (start-up and reading the file included). Its baseline is the per-row way
(one INSERT and COMMIT per text, what a save()-per-object ORM loop does) on 5,000 texts,
extrapolated. Task latency is measured with a real `myna annotate textcat.manual` server:
each answer's round trip (the reply carries the next task, after the commit), first requests
of new sessions, and four sessions answering at once; the baseline is the same server with
1,000 texts in its dataset.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from contextlib import contextmanager

import httpx
from common import OUT, ROOT, machine, median, require_shared, run_roles, today, write_section

sys.path.insert(0, str(ROOT / "tests"))
MYNA = str(ROOT / ".venv" / "bin" / "myna")
LABELS = "World,Sports,Business,Sci_Tech"


def texts_file(rows: int) -> str:
    path = OUT / f"annotate_ag_news_{rows}.jsonl"
    if path.exists():
        return str(path)
    texts = []
    for name in ("train.csv", "dev.csv"):
        with open(require_shared("ag_news", name), newline="", encoding="utf-8") as f:
            texts += [r["description"] for r in csv.DictReader(f)]
    OUT.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for n, text in enumerate(itertools.islice(itertools.cycle(texts), rows)):
            copy = n // len(texts)
            f.write(json.dumps({"text": f"{text} [{copy}]" if copy else text}) + "\n")
    return str(path)


@contextmanager
def database(backend: str):
    """Yield a function returning a fresh, empty database URL."""
    if backend == "sqlite":
        counter = itertools.count()

        def fresh() -> str:
            path = OUT / f"annotate_bench_{os.getpid()}_{next(counter)}.db"
            for suffix in ("", "-wal", "-shm"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
            return f"sqlite:///{path}"

        yield fresh
        return
    from pg_server import postgres_server

    with postgres_server() as url:
        def fresh() -> str:
            import sqlalchemy

            engine = sqlalchemy.create_engine(url)
            from myna.annotate.tables import metadata

            metadata.drop_all(engine)
            engine.dispose()
            return url

        yield fresh


def db_in(url: str, dataset: str, path: str) -> float:
    wall, _ = run_roles([MYNA, "annotate", "db-in", dataset, path, "--kind", "textcat",
                         "--label", LABELS, "--db", url])
    return wall


def per_row_baseline(url: str, path: str, rows: int) -> float:
    """One INSERT + COMMIT per text through SQLAlchemy (no batching), seconds for ``rows``."""
    import sqlalchemy

    from myna.annotate.database import open_store
    from myna.annotate.hashing import input_hash
    from myna.annotate.tables import examples_table

    store = open_store(url)
    ds = store.ensure_dataset("baseline", "textcat", LABELS.split(","))
    with open(path, encoding="utf-8") as f:
        texts = [json.loads(line)["text"] for line in itertools.islice(f, rows)]
    t0 = time.perf_counter()
    for text in texts:
        with store.engine.begin() as conn:
            conn.execute(sqlalchemy.insert(examples_table).values(
                dataset_id=ds.id, input_hash=input_hash(text), text=text))
    return time.perf_counter() - t0


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def latencies(url: str, dataset: str, cycles: int = 300) -> dict[str, list[float]]:
    from spark_cluster import free_port

    port = free_port()
    proc = subprocess.Popen([MYNA, "annotate", "textcat.manual", dataset, "--label", LABELS,
                             "--exclusive", "--db", url, "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{base}/api/config", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("the annotation server did not start") from None
                time.sleep(0.3)
        out: dict[str, list[float]] = {"answer+next": [], "first next": [], "4 sessions": []}

        def session_loop(name: str, n: int, into: list[float]) -> None:
            with httpx.Client(base_url=base, timeout=30) as c:
                c.headers["X-CSRF-Token"] = c.get("/api/config").json()["csrf_token"]
                task = c.get("/api/next", params={"session": name}).json()["task"]
                for i in range(n):
                    t0 = time.perf_counter()
                    task = c.post("/api/answer", json={
                        "session": name, "id": task["id"], "answer": "accept",
                        "accept": [LABELS.split(",")[i % 4]]}).json()["task"]
                    into.append((time.perf_counter() - t0) * 1000)

        session_loop("warmup", 20, [])
        session_loop("solo", cycles, out["answer+next"])
        with httpx.Client(base_url=base, timeout=30) as c:
            for i in range(50):
                t0 = time.perf_counter()
                c.get("/api/next", params={"session": f"new{i}"}).raise_for_status()
                out["first next"].append((time.perf_counter() - t0) * 1000)
        shared: list[float] = []
        threads = [threading.Thread(target=session_loop, args=(f"team{i}", cycles // 3, shared))
                   for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        out["4 sessions"] = shared
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    small, big, tiny = texts_file(args.rows), texts_file(args.big), texts_file(1000)
    results = {}
    for backend in args.backends.split(","):
        with database(backend) as fresh:
            runs = [db_in(fresh(), "ag", small) for _ in range(args.repeats)]
            per_row = per_row_baseline(fresh(), small, 5000) * args.rows / 5000
            print(backend, "db-in", runs, "per-row baseline", per_row, flush=True)
            url = fresh()
            big_in = db_in(url, "big", big)
            print(backend, "db-in 1M", big_in, flush=True)
            lat_big = latencies(url, "big")
            url_tiny = fresh()
            db_in(url_tiny, "tiny", tiny)
            lat_tiny = latencies(url_tiny, "tiny")
            results[backend] = {"db_in": runs, "per_row": per_row, "big_in": big_in,
                                "lat_big": lat_big, "lat_tiny": lat_tiny}
            print(backend, {k: (median(v), percentile(v, 95)) for k, v in lat_big.items()},
                  flush=True)
    (OUT / "annotate_store.json").write_text(json.dumps(results, indent=1))
    report(results, args)


def report(results: dict, args) -> None:
    lines = [
        "### Annotation store: `db-in` of 100,000 texts and next-task latency with "
        "1,000,000 (issue 6)", "",
        f"`.venv/bin/python bench/annotate_store.py --backends {args.backends} --repeats "
        f"{args.repeats}` on {machine()}, {today()}. PostgreSQL 15 runs on loopback "
        "(fsync off, as the test server); SQLite in WAL mode on local disk.", "",
        "| backend | `db-in` 100,000 texts, median s (runs) | per-row INSERT+COMMIT baseline "
        "(5,000, extrapolated) | speed-up | `db-in` 1,000,000 texts s |",
        "|---|---|---|---|---|",
    ]
    for backend, r in results.items():
        runs = ", ".join(f"{x:.1f}" for x in r["db_in"])
        lines.append(f"| {backend} | {median(r['db_in']):.1f} ({runs}) | {r['per_row']:.0f} | "
                     f"{r['per_row'] / median(r['db_in']):.0f}× | {r['big_in']:.0f} |")
    lines += ["", "Next-task latency, ms, median / p95 (client-side, over HTTP on loopback; "
              "`answer+next` is one answer's round trip, committed, carrying the next task):",
              "", "| backend | dataset | answer+next | first `next` of a new session | "
              "4 sessions at once |", "|---|---|---|---|---|"]
    for backend, r in results.items():
        for name, lat in (("1,000,000 texts", r["lat_big"]), ("1,000 texts (baseline)",
                                                              r["lat_tiny"])):
            cells = " | ".join(f"{median(v):.1f} / {percentile(v, 95):.1f}"
                               for v in lat.values())
            lines.append(f"| {backend} | {name} | {cells} |")
    lines.append("")
    for backend, r in results.items():
        ratio = median(r["lat_big"]["answer+next"]) / median(r["lat_tiny"]["answer+next"])
        lines.append(f"- {backend}: `db-in` 100,000 in **{median(r['db_in']):.1f} s** (target "
                     f"< 20 s); answer+next with 1,000,000 texts **"
                     f"{median(r['lat_big']['answer+next']):.1f} ms** median (target < 50 ms), "
                     f"{ratio:.2f}× the 1,000-text dataset's")
    write_section("annotate-store", "\n".join(lines))


if __name__ == "__main__":
    main()
