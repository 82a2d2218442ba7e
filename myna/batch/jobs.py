"""Scheduled and watched batch jobs, the book's cron job and S3-triggered Lambda on one machine.

A scheduler tick finds what is due (the latest cron time since the job was added, or a file in
a watched folder not run before), claims it in the database, and runs the job's stored batch
request for it in a subprocess (`myna.batch.run_job`), retrying a failure with exponential
backoff. Claims make a due time or a file run once, however many schedulers are polling.

A job may run a Myna command instead (`myna jobs monitor`: a drift check; `myna jobs train`: a
retraining): a drift check that finds drift (exit code 3) is recorded as "drift" and runs the
job it names, the book's retrain-on-drift loop."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from croniter import croniter

from myna.batch.jobstore import Job, JobStore, utcnow
from myna.batch.run import BatchRequest
from myna.core.errors import InputError
from myna.core.processes import die_with_parent

SETTLE_S = 1.0  # a watched file must be unchanged this long (still being copied otherwise)
ERROR_TAIL = 2000


@dataclass(frozen=True)
class Claim:
    job: Job
    slot: str
    trigger: str  # schedule | file | manual
    run_id: int
    file: str | None = None
    due: datetime | None = None


def check_schedule(expr: str) -> str:
    if not croniter.is_valid(expr):
        raise InputError(f"not a cron schedule: {expr!r} (five fields: minute hour day month "
                         "weekday, e.g. '0 * * * *' for hourly)")
    return expr


def next_time(job: Job, now: datetime) -> datetime | None:
    if job.kind != "schedule" or not job.schedule:
        return None
    return croniter(job.schedule, now).get_next(datetime)


def latest_due(job: Job, now: datetime) -> datetime | None:
    """The most recent cron time at or before ``now`` and after the job was added; earlier
    missed times are not caught up one by one."""
    prev = croniter(job.schedule, now).get_prev(datetime)
    if croniter.match(job.schedule, now.replace(second=0, microsecond=0)):
        prev = now.replace(second=0, microsecond=0)
    return prev if prev > job.created_at else None


DRIFT_EXIT = 3  # `myna monitor check` found drift


def placeholders(file: str | None, due: datetime | None) -> dict[str, str]:
    when = due or utcnow()
    return {"date": when.strftime("%Y-%m-%d"), "time": when.strftime("%H%M%S"),
            "file": file or "", "stem": Path(file).stem if file else "",
            "name": Path(file).name if file else ""}


def is_command_job(job: Job) -> bool:
    """A job that runs a Myna command (a drift check, a retraining) rather than a batch
    request."""
    return bool(job.request and "command" in job.request)


def job_command(job: Job, file: str | None, due: datetime | None) -> list[str]:
    """The command's arguments with ``{date}``, ``{time}``, ``{file}``… filled in."""
    values = placeholders(file, due)
    out = []
    for arg in job.request["command"] if job.request else []:
        for name, text in values.items():
            arg = arg.replace("{" + name + "}", text)
        out.append(arg)
    return out


def job_request(job: Job, file: str | None, due: datetime | None) -> BatchRequest:
    """The job's batch request with ``{file}``, ``{stem}``, ``{name}`` (the new file) and
    ``{date}``, ``{time}`` (the due or start time, UTC) filled in."""
    if job.request is None:
        raise InputError(f"job {job.name!r} was stored by an older Myna and not migrated; "
                         "run `myna jobs list` once to migrate it")
    return BatchRequest.from_dict(job.request, f"job {job.name}").filled(
        placeholders(file, due))


class Children:
    """The `myna batch run` processes running now, so a stopping scheduler can pass its
    SIGTERM on to them."""

    def __init__(self) -> None:
        self._procs: set[subprocess.Popen] = set()
        self._lock = threading.Lock()

    def start(self, cmd: list[str]) -> subprocess.Popen:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=die_with_parent)  # noqa: PLW1509
        with self._lock:
            self._procs.add(proc)
        return proc

    def done(self, proc: subprocess.Popen) -> None:
        with self._lock:
            self._procs.discard(proc)

    def terminate(self) -> None:
        with self._lock:
            for proc in self._procs:
                if proc.poll() is None:
                    proc.terminate()


CHILDREN = Children()


def run_attempt(request: BatchRequest) -> tuple[bool, dict | None, str | None]:
    """Run the batch request once, in a process of its own: (succeeded, its summary, the
    error text)."""
    with tempfile.TemporaryDirectory(prefix="myna-job-") as tmp:
        request_file, report = Path(tmp) / "request.json", Path(tmp) / "report.json"
        request_file.write_text(json.dumps(request.to_dict()))
        cmd = [sys.executable, "-m", "myna.batch.run_job", str(request_file), str(report)]
        proc = CHILDREN.start(cmd)
        try:
            _, stderr = proc.communicate()
        finally:
            CHILDREN.done(proc)
        summary = json.loads(report.read_text()) if report.exists() else None
    if proc.returncode == 0:
        return True, summary, None
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("error:")] or lines[-5:]
    if proc.returncode in (-15, 143):
        errors.append("stopped by SIGTERM (the scheduler was stopped)")
    return False, summary, "\n".join(errors)[-ERROR_TAIL:] or f"exit code {proc.returncode}"


def run_command(args: list[str]) -> tuple[str, str | None]:
    """Run ``myna ARGS`` in a process of its own: ("succeeded" | "drift" | "failed", the
    error text)."""
    proc = CHILDREN.start([sys.executable, "-m", "myna.cli.main", *args])
    try:
        _, stderr = proc.communicate()
    finally:
        CHILDREN.done(proc)
    if proc.returncode == 0:
        return "succeeded", None
    if proc.returncode == DRIFT_EXIT and args[:2] == ["monitor", "check"]:
        return "drift", None
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("error:")] or lines[-5:]
    if proc.returncode in (-15, 143):
        errors.append("stopped by SIGTERM (the scheduler was stopped)")
    return "failed", "\n".join(errors)[-ERROR_TAIL:] or f"exit code {proc.returncode}"


def _attempt(job: Job, claim: Claim) -> tuple[str, dict | None, str | None]:
    if is_command_job(job):
        status, error = run_command(job_command(job, claim.file, claim.due))
        return status, None, error
    ok, summary, error = run_attempt(job_request(job, claim.file, claim.due))
    return ("succeeded" if ok else "failed"), summary, error


def execute(store: JobStore, claim: Claim,
            sleep: Callable[[float], bool | None] = time.sleep) -> str:
    """Run a claimed slot, retrying up to the job's ``retries`` with backoff doubling from
    ``backoff_s``; every attempt is a row in the history. Returns the final status. A
    ``sleep`` that returns True (a scheduler's stop event) means: stop, no more retries."""
    job, run_id, attempt = claim.job, claim.run_id, 1
    try:
        if not is_command_job(job):
            job_request(job, claim.file, claim.due)  # a bad stored request fails here
    except InputError as err:
        store.finish(run_id, "failed", None, None, str(err))
        return "failed"
    while True:
        status, summary, error = _attempt(job, claim)
        rows = summary.get("rows") if summary else None
        failed = summary.get("failed") if summary else None
        store.finish(run_id, status, rows, failed, error)
        if status != "failed" or attempt > job.retries:
            break
        if sleep(job.backoff_s * 2 ** (attempt - 1)):
            return status
        attempt += 1
        next_id = store.claim(job.name, claim.slot, claim.trigger, attempt, claim.file)
        if next_id is None:  # someone else retried it already
            return status
        run_id = next_id
    then = (job.request or {}).get("on_drift")
    if status == "drift" and then:
        trigger(store, then, f"drift:{job.name}:{run_id}", sleep)
    return status


def trigger(store: JobStore, name: str, slot: str,
            sleep: Callable[[float], bool | None] = time.sleep) -> str | None:
    """Run job ``name`` now for ``slot`` (once, however many schedulers see it)."""
    try:
        job = store.get(name)
    except InputError:
        return None  # removed since the drift check named it: nothing to run
    run_id = store.claim(name, slot, "drift")
    if run_id is None:
        return None
    return execute(store, Claim(job, slot, "drift", run_id), sleep)


class Scheduler:
    """``tick(now)`` claims what is due; ``serve()`` ticks every ``poll_s`` and runs claims
    on ``workers`` threads (each run is its own process)."""

    def __init__(self, store: JobStore, poll_s: float = 5.0, workers: int = 2):
        self.store = store
        self.poll_s = poll_s
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="myna-job")
        self.running: list[Future] = []
        self._stop = threading.Event()

    def tick(self, now: datetime | None = None, only: str | None = None) -> list[Claim]:
        """Claim what is due at ``now`` (for the job ``only``, if given)."""
        now = now or utcnow()
        claims: list[Claim] = []
        for job in self.store.jobs():
            if only and job.name != only:
                continue
            if job.kind == "schedule":
                due = latest_due(job, now)
                if due is not None:
                    claims += self._claim(job, due.isoformat(), "schedule", due=due)
            elif job.kind == "watch":
                for path in watched_files(job, now):
                    stat = path.stat()
                    claims += self._claim(job, f"file:{path}@{stat.st_mtime_ns}", "file",
                                          file=str(path))
        return claims

    def _claim(self, job: Job, slot: str, trigger: str, file: str | None = None,
               due: datetime | None = None) -> list[Claim]:
        if self.store.has_slot(job.name, slot):
            return []
        run_id = self.store.claim(job.name, slot, trigger, file=file)
        return [Claim(job, slot, trigger, run_id, file, due)] if run_id is not None else []

    def submit(self, claims: list[Claim]) -> None:
        self.running = [f for f in self.running if not f.done()]
        self.running += [self.pool.submit(execute, self.store, c, self._stop.wait)
                         for c in claims]

    def serve(self, once: bool = False, on_claim: Callable[[Claim], None] | None = None) -> None:
        self.store.abandon_dead_runs()
        try:
            while not self._stop.is_set():
                claims = self.tick()
                for claim in claims:
                    if on_claim:
                        on_claim(claim)
                self.submit(claims)
                if once:
                    break
                self._stop.wait(self.poll_s)
        except BaseException:  # Ctrl+C or SIGTERM: pass it on to the running batch runs
            self.stop(terminate_runs=True)
            raise
        finally:
            for future in self.running:
                future.result()
            self.pool.shutdown()

    def stop(self, terminate_runs: bool = False) -> None:
        """No new runs; with ``terminate_runs`` the running ones get SIGTERM too."""
        self._stop.set()
        if terminate_runs:
            CHILDREN.terminate()


def watched_files(job: Job, now: datetime) -> list[Path]:
    folder = Path(job.watch_dir or ".")
    if not folder.is_dir():
        return []
    settled = now.timestamp() - SETTLE_S
    files = [p for p in folder.glob(job.pattern or "*")
             if p.is_file() and not p.name.startswith(".") and p.stat().st_mtime <= settled]
    return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))
