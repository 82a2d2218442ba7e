"""SIGTERM (what `timeout`, systemd, Docker, Kubernetes and job runners send) stops every
long-running command like Ctrl+C: temporary files go, worker processes and child programs
stop with it, and a worker never outlives a parent killed outright. Only the parent is
signalled, as those tools do; the tests never rely on a process group."""

import signal
import socket
import subprocess
import sys
import time

import httpx
import psutil
import pytest

CLI = [sys.executable, "-m", "myna.cli.main"]


def big_csv(path, rows: int = 100_000):
    path.write_text("text\n" + "".join(f"Apple opened a store in Paris on day {i}.\n"
                                       for i in range(rows)))
    return path


def wait_for(condition, timeout: float = 120, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def children(proc: subprocess.Popen) -> list[psutil.Process]:
    try:
        return psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def gone(procs: list[psutil.Process], timeout: float = 30) -> bool:
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    return not alive


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([*CLI, *map(str, args)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def test_sigterm_stops_a_batch_run_and_its_workers(tmp_path):
    src, out = big_csv(tmp_path / "in.csv"), tmp_path / "out.parquet"
    proc = start(["batch", "run", "-i", src, "-o", out, "-j", "2"])
    workers = wait_for(lambda: len(children(proc)) >= 2 and children(proc), what="2 workers")
    wait_for(lambda: list(tmp_path.glob(".out.parquet.*.tmp")), what="the output being written")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    assert "stopped" in proc.stderr.read()
    assert gone(workers)
    assert not out.exists() and not list(tmp_path.glob(".out.parquet.*"))


def test_workers_die_with_a_parent_killed_outright(tmp_path):
    src, out = big_csv(tmp_path / "in.csv"), tmp_path / "out.parquet"
    proc = start(["batch", "run", "-i", src, "-o", out, "-j", "2"])
    workers = wait_for(lambda: len(children(proc)) >= 2 and children(proc), what="2 workers")
    proc.kill()
    proc.wait()
    assert gone(workers)


def test_sigterm_stops_analyze_workers(tmp_path):
    src = big_csv(tmp_path / "in.csv", 30_000)
    out = tmp_path / "out.jsonl"
    proc = start(["analyze", "--file", src, "--only", "ner", "--out", out, "-j", "2"])
    workers = wait_for(lambda: len(children(proc)) >= 2 and children(proc), what="2 workers")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    assert gone(workers)
    assert not list(tmp_path.glob(".out.jsonl.*"))  # no temporary output left behind


def test_sigterm_stops_the_app_and_streamlit(tmp_path):
    port = free_port()
    proc = start(["app", "--port", port])
    wait_for(lambda: _answers(f"http://127.0.0.1:{port}/_stcore/health"), what="Streamlit")
    streamlit = children(proc)
    assert streamlit
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    assert gone(streamlit)
    assert not _answers(f"http://127.0.0.1:{port}/_stcore/health")


def test_sigterm_stops_the_scheduler_and_the_run_it_started(tmp_path):
    from myna.batch.jobstore import JobStore
    from myna.core.db import get_engine

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    subprocess.run([*CLI, "jobs", "watch", str(inbox), "--pattern", "*.csv", "--", "-o",
                    str(tmp_path / "out" / "{stem}.parquet"), "-j", "1"], check=True,
                   capture_output=True)
    big_csv(tmp_path / "staging.csv", 200_000).rename(inbox / "big.csv")
    proc = start(["jobs", "serve", "--poll", "0.5"])
    batch = wait_for(lambda: [p for p in children(proc) if "batch" in " ".join(p.cmdline())],
                     what="the batch run")
    time.sleep(1)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    assert gone(batch)
    (run,) = JobStore(get_engine()).history("watch-inbox")
    assert run.status == "failed" and "SIGTERM" in run.error
    assert not (tmp_path / "out" / "big.parquet").exists()


@pytest.mark.parametrize("command", [
    ["serve", "en_core_web_sm", "--workers", "1"],
    ["annotate", "textcat.manual", "d", "{src}", "--label", "A,B"],
])
def test_sigterm_stops_the_web_servers(tmp_path, command):
    src = tmp_path / "t.jsonl"
    src.write_text('{"text": "hello"}\n')
    port = free_port()
    args = [str(a).replace("{src}", str(src)) for a in command]
    proc = start([*args, "--port", port])
    path = "/health" if command[0] == "serve" else "/api/config"
    wait_for(lambda: _answers(f"http://127.0.0.1:{port}{path}"), what="the server")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 128 + signal.SIGTERM  # after a graceful stop
    assert not _answers(f"http://127.0.0.1:{port}{path}")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False

