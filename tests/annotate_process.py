"""Run `myna annotate RECIPE ...` as a real server process on a free loopback port."""

from __future__ import annotations

import subprocess
import sys
import time
from contextlib import contextmanager

import httpx
from spark_cluster import free_port


def start(args: list[str], port: int, log) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "myna.cli.main", "annotate", *map(str, args),
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/config", timeout=2).raise_for_status()
            return proc
        except httpx.HTTPError as err:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("the annotation server did not start "
                                   f"(exit {proc.poll()})") from err
            time.sleep(0.3)


@contextmanager
def annotation_server(args: list[str], log_path):
    """Yield ``(url, process)``; the process is stopped afterwards."""
    port = free_port()
    with open(log_path, "ab") as log:
        proc = start(args, port, log)
        try:
            yield f"http://127.0.0.1:{port}", proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
