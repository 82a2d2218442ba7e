"""Copies of the model in worker processes, for `myna serve`.

spaCy's pipeline holds Python's global interpreter lock for much of its work (the attribute
ruler and tokenizer for tens of milliseconds at a stretch on a long text, the lemmatizer and
the analysis records throughout). In threads of one process, one long analysis request slows
every other request, the server's event loop included (measured: a normal client's p99 of
~100 ms against 23 ms with the same load in another process; BENCHMARKS.md). A
`ProcessReplica` runs its copy in a child process and offers the `Predictor` interface the
scheduler uses, so a worker thread only waits on a pipe. A child that dies (out of memory on a
pathological input) fails the call it was running and is started again. A child ends when
its parent does: its pipe closes (no ``PR_SET_PDEATHSIG``, which fires when the *thread* that
started the child ends, and copies are started from worker threads)."""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import threading
from dataclasses import dataclass
from typing import Any

from myna.core.errors import MynaError
from myna.models.resolver import Resolved

START_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class ModelSource:
    resolved: Resolved  # where the model is, its kind, and the reference the user gave
    kb: str | None = None
    tasks: bytes | None = None  # tasks registered at run time in the parent, by value
    threads: int = 0  # math-library threads in the child (0: the libraries' own default)


class WorkerDied(RuntimeError):
    """The child process ended while it ran a call (it is started again)."""


def _child(conn, source: ModelSource) -> None:
    """The child process: load the model, report what it can do, answer calls until told to
    stop (None) or the parent goes away (the pipe closes)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides what Ctrl+C means
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        from myna.models import load_resolved
        from myna.tasks import Predictor
        from myna.tasks.shipping import register_packed

        register_packed(source.tasks)
        if source.threads:  # ONNX Runtime sizes its pool when a model loads
            from myna.core.threads import set_thread_budget

            set_thread_budget(source.threads)
        predictor = Predictor(load_resolved(source.resolved, source.kb))
        if source.threads:  # after loading: the libraries' pools exist now
            from myna.core.threads import limit_threads

            limit_threads(source.threads)
        predictor.warm_up()
    except Exception as err:  # reported to the parent, which raises it
        conn.send(("error", f"{type(err).__name__}: {err}"))
        return
    conn.send(("ready", {"tasks": predictor.tasks, "labels": predictor.labels,
                         "max_length": predictor.max_length}))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        task, texts, errors, params = message
        try:
            conn.send(("ok", predictor.predict(texts, task, errors, params)))
        except Exception as err:
            conn.send(("error", f"{type(err).__name__}: {err}"))


class ProcessReplica:
    """One copy of the model in a child process; `predict` as `Predictor.predict`."""

    def __init__(self, source: ModelSource, wait: bool = True):
        self.source = source
        self.name = source.resolved.name
        self._lock = threading.Lock()  # one call at a time on the pipe
        self._spawn()
        if wait:
            self.wait_ready()

    def _spawn(self) -> None:
        ctx = mp.get_context("spawn")  # never fork a process that runs threads
        self._conn, child_conn = ctx.Pipe()
        self._process = ctx.Process(target=_child, args=(child_conn, self.source),
                                    name="myna-model", daemon=True)
        self._process.start()
        child_conn.close()

    def wait_ready(self) -> None:
        """Wait for the child to load its model; `MynaError` if it cannot."""
        if not self._conn.poll(START_TIMEOUT_S):
            self._process.kill()
            raise MynaError(f"the model worker did not start within {START_TIMEOUT_S:g} s",
                            where=self.name)
        try:
            kind, payload = self._conn.recv()
        except EOFError:
            raise MynaError("the model worker stopped while loading the model "
                            f"(exit code {self._process.exitcode})", where=self.name) from None
        if kind != "ready":
            raise MynaError(f"cannot load the model: {payload}", where=self.name)
        self.tasks: list[str] = payload["tasks"]
        self.labels: dict[str, list[str]] = payload["labels"]
        self.max_length: int = payload["max_length"]

    @property
    def default_task(self) -> str:
        return self.tasks[0]

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def predict(self, texts: list[Any], task: str | None = None, errors: str = "raise",
                params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        with self._lock:
            try:
                self._conn.send((task, list(texts), errors, params))
                kind, payload = self._conn.recv()
            except (EOFError, OSError):
                code = self._process.exitcode
                self._conn.close()
                self._process.join(timeout=5)
                self._spawn()
                self.wait_ready()
                raise WorkerDied(f"the model worker process stopped while running this call "
                                 f"(exit code {code}; out of memory?); it was started again"
                                 ) from None
        if kind != "ok":
            raise RuntimeError(payload)
        return payload

    def close(self) -> None:
        """Stop the child (after the call it is running, if any) without waiting here."""
        def stop() -> None:
            with self._lock:
                with contextlib.suppress(OSError):
                    self._conn.send(None)
                self._process.join(timeout=10)
                if self._process.is_alive():
                    self._process.kill()
                self._conn.close()

        threading.Thread(target=stop, daemon=True, name="myna-model-stop").start()
