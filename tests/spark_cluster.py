"""A real Spark standalone cluster on loopback, started from the installed PySpark: one master,
one worker with one core."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pyspark

SPARK_HOME = Path(pyspark.__file__).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spark_env(workdir: Path) -> dict[str, str]:
    return {**os.environ, "SPARK_HOME": str(SPARK_HOME), "PYSPARK_PYTHON": sys.executable,
            "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_LOG_DIR": str(workdir),
            "SPARK_WORKER_DIR": str(workdir / "work")}


@contextmanager
def standalone_cluster(workdir: Path, cores: int = 1):
    """Yield the master URL once the worker has registered; stop both afterwards."""
    port, ui, worker_ui = free_port(), free_port(), free_port()
    spark_class = str(SPARK_HOME / "bin" / "spark-class")
    env = spark_env(workdir)
    logs = open(workdir / "cluster.log", "w")  # noqa: SIM115 (closed below)
    master = subprocess.Popen(
        [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
         "--port", str(port), "--webui-port", str(ui)], env=env, stdout=logs, stderr=logs)
    url = f"spark://127.0.0.1:{port}"
    worker = subprocess.Popen(
        [spark_class, "org.apache.spark.deploy.worker.Worker", url, "--host", "127.0.0.1",
         "--cores", str(cores), "--memory", "2g", "--webui-port", str(worker_ui)],
        env=env, stdout=logs, stderr=logs)
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{ui}/json/", timeout=2) as r:
                    state = json.load(r)
                if any(w["state"] == "ALIVE" for w in state.get("workers", [])):
                    break
            except OSError:
                pass
            time.sleep(0.5)
        else:
            raise RuntimeError(f"Spark cluster did not start; see {workdir / 'cluster.log'}")
        yield url
    finally:
        for proc in (worker, master):
            proc.terminate()
        for proc in (worker, master):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        logs.close()
