"""How long `myna --help` and `myna models list` take to start, against an older checkout.

    .venv/bin/python bench/cli_startup.py [--runs 5] [--baseline-checkout DIR]

Each command runs ``--runs`` times, alternating with the baseline (a `git worktree` of an
older commit, imported through PYTHONPATH with this venv's packages; run from an empty
MYNA_HOME so that the working directory does not shadow either checkout).
The median wall time per command and which heavy libraries it imported go to BENCHMARKS.md.
No shared data needed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, machine, today, write_section

HEAVY = ("spacy", "torch", "mlflow", "pyspark")
COMMANDS = (["--help"], ["models", "list"])
PROBE = """
import json, sys
from myna.cli.main import main
sys.argv = ["myna", *{args}]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)), file=sys.stderr)
"""


def timed(args: list[str], checkout: Path, home: str) -> float:
    env = {**os.environ, "MYNA_HOME": home, "PYTHONPATH": str(checkout)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "myna.cli.main", *args], env=env, check=True,
                   cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def heavy_imports(args: list[str], checkout: Path, home: str) -> list[str]:
    env = {**os.environ, "MYNA_HOME": home, "PYTHONPATH": str(checkout)}
    r = subprocess.run([sys.executable, "-c", PROBE.format(args=args, heavy=HEAVY)], env=env,
                       cwd=home, capture_output=True, text=True)
    return json.loads(r.stderr.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline-checkout", type=Path)
    opts = parser.parse_args()
    checkouts = {"this checkout": ROOT}
    if opts.baseline_checkout:
        checkouts["baseline"] = opts.baseline_checkout.resolve()
    rows = []
    with tempfile.TemporaryDirectory() as home:
        for args in COMMANDS:
            times: dict[str, list[float]] = {name: [] for name in checkouts}
            for _ in range(opts.runs):
                for name, path in checkouts.items():
                    times[name].append(timed(args, path, home))
            medians = {name: statistics.median(t) for name, t in times.items()}
            for name, path in checkouts.items():
                ratio = (f"{medians['baseline'] / medians[name]:.1f}x faster"
                         if name != "baseline" and "baseline" in medians else "")
                rows.append(f"| `myna {' '.join(args)}` | {name} | {medians[name]:.2f} s | "
                            f"{ratio} | {', '.join(heavy_imports(args, path, home)) or 'none'} |")
                print(rows[-1], flush=True)
    baseline = (f"baseline: `{opts.baseline_checkout}` "
                f"({_commit(opts.baseline_checkout)})" if opts.baseline_checkout else "")
    write_section("cli-startup", f"""
## CLI start-up: `myna --help` and `myna models list` (issue 14)

`.venv/bin/python bench/cli_startup.py --runs {opts.runs}` · {machine()} · {today()} ·
this checkout {_commit(ROOT)}; {baseline}. Median of {opts.runs} runs each, the two
checkouts alternating, same venv, empty MYNA_HOME.

| command | checkout | median wall | vs baseline | heavy libraries imported |
|---|---|---:|---|---|
{chr(10).join(rows)}
""")


def _commit(path: Path | None) -> str:
    if path is None:
        return ""
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=path,
                         capture_output=True, text=True)
    return out.stdout.strip() or "?"


if __name__ == "__main__":
    main()
