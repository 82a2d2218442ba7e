"""Helpers shared by the benchmark scripts: data location, machine facts, BENCHMARKS.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import statistics
import subprocess
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MYNA_SHARED_DATA", ROOT.parent / "shared" / "data"))
OUT = ROOT / "bench" / "out"
BENCHMARKS = ROOT / "BENCHMARKS.md"


def require_shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        raise SystemExit(f"benchmark data not found: {path} (set MYNA_SHARED_DATA)")
    return path


def command_options(args, keep: tuple[str, ...] = (), skip: tuple[str, ...] = ()) -> str:
    """A run's options as they go on its command line: flags bare, and options left at an empty
    value (None, "", 0, False) left out unless named in ``keep``."""
    return "".join(f" --{k.replace('_', '-')}" + ("" if v is True else f" {v}")
                   for k, v in vars(args).items()
                   if k not in skip and (v not in (None, "", 0, False) or k in keep))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = psutil.virtual_memory().total / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, Python {platform.python_version()}"


def today() -> str:
    return dt.date.today().isoformat()


def median(values: list[float]) -> float:
    return statistics.median(values)


def run_roles(cmd: list[str], env: dict | None = None, interval_s: float = 0.1,
              ) -> tuple[float, dict[str, float]]:
    """Run a command; return wall seconds and peak RSS (MiB) per role: ``driver`` (the process
    itself), ``jvm`` (Java children, e.g. Spark's), ``workers`` (other children) and ``tree``
    (all together), sampled every ``interval_s``."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peaks = dict.fromkeys(("driver", "jvm", "workers", "tree"), 0.0)
    stop = threading.Event()

    def sample() -> None:
        try:
            parent = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            return
        while not stop.is_set():
            try:
                rss = {"driver": parent.memory_info().rss, "jvm": 0, "workers": 0}
                for child in parent.children(recursive=True):
                    rss["jvm" if child.name() == "java" else "workers"] += child.memory_info().rss
            except psutil.NoSuchProcess:
                break
            rss["tree"] = sum(rss.values())
            for role, value in rss.items():
                peaks[role] = max(peaks[role], value / 2**20)
            stop.wait(interval_s)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    stop.set()
    t.join()
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n"
                         f"{err.decode()[-3000:]}")
    return wall, peaks


def run_measured(cmd: list[str], env: dict | None = None) -> tuple[float, float, float]:
    """Wall seconds, peak RSS of the whole process tree and of the parent alone (MiB)."""
    wall, peaks = run_roles(cmd, env)
    return wall, peaks["tree"], peaks["driver"]


def write_section(name: str, body: str) -> None:
    """Replace (or append) the section between ``<!-- name -->`` markers in BENCHMARKS.md."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    block = f"{begin}\n{body.strip()}\n{end}"
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else (
        text.rstrip() + "\n\n" + block + "\n")
    BENCHMARKS.write_text(text)
