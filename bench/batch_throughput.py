"""`myna batch run` over 120,000 AG News descriptions: local engine, Spark local[2], and the
book's single-process `df.apply(nlp)`.

    .venv/bin/python bench/batch_throughput.py [--rows 120000] [--apply-rows 6000]

Both engines run as `myna batch run` subprocesses, timed end to end (start-up, model load and,
for Spark, the JVM included); peak memory is sampled every 0.2 s per role: the driver, its JVM
and the Python workers (forked processes locally, Spark's Python workers under the JVM). The
book's way runs the full pipeline one text at a time on the first --apply-rows rows and is
extrapolated. Entities are compared on the first 2,000 rows.
"""

from __future__ import annotations

import argparse
import json
import sys

import pyarrow.parquet as pq
from analyze_throughput import book_way, build_input
from common import OUT, ROOT, machine, median, run_roles, today, write_section

SAMPLE = 2000


def entities_by_id(path) -> dict[int, list]:
    table = pq.read_table(path, columns=["id", "entities"]).to_pylist()
    return {int(r["id"]): [(e["text"], e["start_char"], e["end_char"], e["label"])
                           for e in r["entities"] or []]
            for r in table if int(r["id"]) < SAMPLE}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=120_000)
    parser.add_argument("--apply-rows", type=int, default=6000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    texts, _ = build_input(args.rows)
    src = OUT / f"batch_ag_news_{args.rows}.csv"
    import csv

    with open(src, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "description"])
        w.writerows(enumerate(texts))
    myna = [str(ROOT / ".venv" / "bin" / "myna"), "batch", "run", "-i", str(src),
            "-c", "description", "--task", "ner", "--overwrite"]
    engines = {"local": [], "spark local[2]": ["--engine", "spark", "--master", "local[2]"]}
    runs: dict[str, list] = {name: [] for name in [*engines, "analyze"]}
    baseline_out = OUT / "batch_analyze_baseline.parquet"
    for _ in range(args.repeats):  # alternate, so a slow spell on the machine hits all three
        for name, extra in engines.items():
            out = OUT / f"batch_{name.split()[0]}.parquet"
            report = OUT / f"batch_{name.split()[0]}.json"
            wall, peaks = run_roles([*myna, "-o", str(out), "--report", str(report), *extra])
            runs[name].append({"wall": wall, "peaks": peaks, "out": out,
                               "summary": json.loads(report.read_text())})
            print(name, f"{wall:.1f}s", peaks, flush=True)
        wall, peaks = run_roles([str(ROOT / ".venv" / "bin" / "myna"), "analyze", "--only",
                                    "ner", "-f", str(src), "-c", "description", "-o",
                                    str(baseline_out)])
        runs["analyze"].append({"wall": wall, "peaks": peaks})
        print("analyze", f"{wall:.1f}s", flush=True)
    results = {name: {**runs[name][-1], "wall": median([r["wall"] for r in runs[name]]),
                      "walls": [r["wall"] for r in runs[name]],
                      "peaks": {k: max(r["peaks"][k] for r in runs[name])
                                for k in runs[name][0]["peaks"]}}
               for name in engines}
    analyze_wall = median([r["wall"] for r in runs["analyze"]])
    apply_rows = texts[: max(args.apply_rows, SAMPLE)]
    apply_s, apply_ents = book_way(apply_rows)
    apply_full = apply_s * args.rows / len(apply_rows)
    local_ents = entities_by_id(results["local"]["out"])
    spark_ents = entities_by_id(results["spark local[2]"]["out"])
    same_spark = sum(local_ents[i] == spark_ents[i] for i in range(SAMPLE))
    same_apply = sum(local_ents[i] == apply_ents[i] for i in range(SAMPLE))
    local_wall = results["local"]["wall"]
    spark_wall = results["spark local[2]"]["wall"]
    rows = []
    for name, r in results.items():
        p = r["peaks"]
        walls = ", ".join(f"{w:.0f}" for w in r["walls"])
        rows.append(f"| {name} | {r['wall']:.1f} ({walls}) | {args.rows / r['wall']:.0f} | "
                    f"{r['summary']['rows']:,} / {r['summary']['failed']} | "
                    f"{p['driver']:.0f} | {p['jvm']:.0f} | {p['workers']:.0f} |")
    analyze_walls = ", ".join(f"{r['wall']:.0f}" for r in runs["analyze"])
    rows.append(f"| baseline: `myna analyze --only ner` (issue 1's path) | {analyze_wall:.1f} "
                f"({analyze_walls}) | "
                f"{args.rows / analyze_wall:.0f} | – | – | – | – |")
    rows.append(f"| book `df.apply(nlp)`, 1 process ({len(apply_rows):,} rows, extrapolated) | "
                f"{apply_full:.1f} | {args.rows / apply_full:.0f} | – | – | – | – |")
    body = f"""
### Batch NER over {args.rows:,} AG News descriptions (issue 5)

`.venv/bin/python bench/batch_throughput.py --rows {args.rows} --apply-rows {args.apply_rows} --repeats {args.repeats}`
on {machine()}, {today()}; `en_core_web_sm` (tok2vec + ner), CSV in, Parquet out. The three
commands run in turn, {args.repeats} rounds; wall time is the median (each run in brackets) of
the whole process (start-up, model load, the JVM for Spark); memory is the highest peak RSS
per role (MiB).

| engine | median wall s (runs) | docs/s | rows / failed | driver MiB | JVM MiB | Python workers MiB |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}

- local engine: **{args.rows / local_wall:.0f} docs/s** ({local_wall / 60:.1f} min; target ≥ 670 docs/s, ≤ 3 min)
- local engine / `myna analyze` baseline wall time, same run: **{local_wall / analyze_wall:.2f}×**
- Spark `local[2]` / local engine wall time: **{spark_wall / local_wall:.2f}×** (target ≤ 1.25×)
- local engine / book `apply`: **{apply_full / local_wall:.1f}×** faster
- identical entities on the first {SAMPLE:,} rows: Spark vs local {same_spark}/{SAMPLE}, book `apply` vs local {same_apply}/{SAMPLE}
"""
    print(body)
    write_section("batch-throughput", body)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "bench"))
    main()
