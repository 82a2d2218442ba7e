"""Stopping cleanly: SIGTERM (what `timeout`, systemd, Docker, Kubernetes and job runners send)
is handled like Ctrl+C, passed on to child processes, and no child outlives its parent.

* `handle_sigterm` makes SIGTERM raise `Terminated` (a `KeyboardInterrupt`), so ``finally``
  blocks run: temporary files go, worker pools and Spark sessions stop.
* Worker processes (`worker_started`) leave SIGINT to their parent (a terminal sends it to
  the whole group), die on SIGTERM, and get SIGTERM themselves when the parent dies, even by
  SIGKILL (Linux ``PR_SET_PDEATHSIG``).
* `stop_pool` ends a process pool's workers at once instead of waiting for their chunks;
  `run_child` runs a program in the foreground and stops it when Myna is stopped.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Sequence

PR_SET_PDEATHSIG = 1


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived; handled like Ctrl+C."""

    def __init__(self, signum: int = signal.SIGTERM):
        super().__init__(f"stopped by signal {signum}")
        self.signum = signum


received: list[int] = []  # termination signals this process got (Typer hides the exception)


def _raise_terminated(signum, frame) -> None:
    received.append(signum)
    raise Terminated(signum)


def handle_sigterm() -> None:
    """In the main thread of a command: SIGTERM raises `Terminated`."""
    signal.signal(signal.SIGTERM, _raise_terminated)


def die_with_parent() -> None:
    """Ask Linux to send this process SIGTERM when its parent dies (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before we asked
        os.kill(os.getpid(), signal.SIGTERM)


def worker_started() -> None:
    """First thing in a worker process of a pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl+C means
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent()


def stop_pool(pool) -> None:
    """Cancel what a `ProcessPoolExecutor` has queued and terminate its workers now."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.terminate()
    for proc in processes:
        with contextlib.suppress(Exception):
            proc.join(timeout=10)


def run_child(cmd: Sequence[str], env: dict[str, str] | None = None,
              grace_s: float = 10.0) -> int:
    """Run ``cmd`` in the foreground; when this process is interrupted or terminated the
    child gets SIGTERM (then SIGKILL after ``grace_s``), and it dies with this process."""
    child = subprocess.Popen(list(cmd), env=env, preexec_fn=die_with_parent)  # noqa: PLW1509
    try:
        return child.wait()
    except KeyboardInterrupt:
        stop_child(child, grace_s)
        raise


def stop_child(child: subprocess.Popen, grace_s: float = 10.0) -> None:
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
