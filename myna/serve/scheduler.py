"""Fair scheduling of prediction work over a few copies of the model, each used by one call at
a time (spaCy pipelines are not safe to share between threads); a copy is a `Predictor` in
this process or a `ProcessReplica` in a worker process, called from a thread either way.

A request becomes a job. Jobs are cut into model calls of at most ``max_batch`` texts and
``max_batch_chars`` characters; one call takes the next texts of several jobs of the same task,
so concurrent small requests share a call as before. Jobs take turns (round robin), and one job
has at most ``workers - 1`` calls running at once: a long request never holds every worker,
and one worker is kept for calls of at most ``reserve_chars`` characters: however many long
requests arrive at once, a short one starts on a free worker instead of waiting for a long
call to finish. A job whose caller has gone (timed out) is dropped between calls.
The characters waiting in the queue are bounded: past ``max_queue_chars`` a request is refused
at once (`Overloaded`, answered 503 with ``Retry-After``)."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from myna.serve.holder import ModelHolder
from myna.serve.metrics import Metrics
from myna.serve.settings import ServeSettings
from myna.tasks import Predictor, Task, get_task
from myna.tasks.params import params_key


class Overloaded(Exception):
    """The queue is full; try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"the server is busy; retry in {retry_after} s")
        self.retry_after = retry_after


@dataclass(eq=False)
class _Job:
    task: str
    texts: list[Any]  # texts, or records for tasks such as question answering
    future: asyncio.Future
    params: dict[str, Any] = field(default_factory=dict)
    # Calls share jobs of the same task and parameters; None: this job never shares a call
    group: str | None = ""
    queued_at: float = field(default_factory=time.monotonic)
    next: int = 0  # first text not yet handed to a worker
    running: int = 0  # model calls in flight
    finished: int = 0  # texts with results
    waiting_chars: int = 0
    dropped: bool = False
    results: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.results = [None] * len(self.texts)
        self.sizes = [Task.input_chars(t) for t in self.texts]
        self.waiting_chars = sum(self.sizes)


Part = tuple[_Job, int, int]  # a job's texts [start, end) in one model call


class Scheduler:
    def __init__(self, holder: ModelHolder, metrics: Metrics, settings: ServeSettings):
        self.holder = holder
        self.metrics = metrics
        self.settings = settings
        self._jobs: deque[_Job] = deque()
        self._busy: set[int] = set()  # id() of the copies running a call
        self._long_running = 0  # calls over reserve_chars in flight
        self._queued_chars = 0
        self._chars_per_s: float | None = None  # one worker's recent speed
        self._wakeup: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._executor = ThreadPoolExecutor(max_workers=settings.workers,
                                            thread_name_prefix="myna-predict")

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()

    async def stop(self) -> None:
        if self._wakeup is not None:
            self._wakeup.cancel()
        for job in list(self._jobs):
            if not job.future.done():
                job.future.set_exception(RuntimeError("the server is shutting down"))
            self._drop(job)
        self._executor.shutdown(wait=False, cancel_futures=True)
        for loaded in [*self.holder.retired, self.holder.current]:
            _close(loaded.replicas)
        self.holder.retired.clear()

    async def predict(self, task: str, texts: list[Any],
                      params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """One record per input, each with an ``error`` field (None when it ran)."""
        assert self._loop is not None, "start() the scheduler first"
        params = params or {}
        shares = bool(params) and get_task(task).shares_inputs(params)
        job = _Job(task, texts, self._loop.create_future(), params,
                   None if shares else params_key(params))
        if self._jobs and self._queued_chars + job.waiting_chars > self.settings.max_queue_chars:
            self.metrics.rejected.inc()
            raise Overloaded(self.retry_after())
        self._jobs.append(job)
        self._queued_chars += job.waiting_chars
        self.metrics.queued_chars.set(self._queued_chars)
        self._dispatch()
        try:
            return await job.future  # cancelled with the caller (timeout, disconnect)
        finally:
            self._drop(job)

    def retry_after(self) -> int:
        workers = max(1, self._parallel())
        if not self._chars_per_s:
            return 1
        return max(1, min(60, math.ceil(self._queued_chars / (self._chars_per_s * workers))))

    # internals (all on the event loop thread) ---------------------------------------------
    def _parallel(self) -> int:
        return min(self.settings.workers, len(self.holder.current.replicas))

    def _drop(self, job: _Job) -> None:
        if job.dropped:
            return
        job.dropped = True
        self._queued_chars -= job.waiting_chars
        job.waiting_chars = 0
        self.metrics.queued_chars.set(self._queued_chars)
        with contextlib.suppress(ValueError):  # not there: every text was handed out
            self._jobs.remove(job)

    def _retire(self) -> None:
        """Close the copies of swapped-out versions once their last call has ended."""
        for loaded in list(self.holder.retired):
            if not any(id(r) in self._busy for r in loaded.replicas):
                self.holder.retired.remove(loaded)
                _close(loaded.replicas)

    def _free_replica(self) -> Predictor | None:
        if len(self._busy) >= self.settings.workers:
            return None
        for replica in self.holder.current.replicas:  # the current version, whatever swaps
            if id(replica) not in self._busy:
                return replica
        return None

    def _long_allowed(self) -> bool:
        """Whether a call over ``reserve_chars`` may start: not on the last free worker."""
        parallel = self._parallel()
        return (not self.settings.reserve_chars or parallel <= 1
                or self._long_running < parallel - 1)

    def _plan(self) -> tuple[list[Part], bool]:
        """The next model call: texts of the jobs in turn order, one task, within the
        limits (always at least one text, unless only the reserved worker is free and every
        job's next text is long); and whether the call is full."""
        limit_texts, limit_chars = self.settings.max_batch, self.settings.max_batch_chars
        short_only = not self._long_allowed()
        if short_only:
            limit_chars = min(limit_chars, self.settings.reserve_chars)
        per_job = max(1, self._parallel() - 1)
        parts: list[Part] = []
        first: _Job | None = None
        n_texts, n_chars, full = 0, 0, False
        for job in self._jobs:
            if job.future.done() or job.running >= per_job or job.next >= len(job.texts):
                continue
            if short_only and job.sizes[job.next] > limit_chars:
                continue
            if first is None:
                first = job
                if job.group is None:  # its answers depend on the whole call: all, alone
                    return [(job, job.next, len(job.texts))], True
            elif (job.task, job.group) != (first.task, first.group) or job.group is None:
                continue
            end = job.next
            while end < len(job.texts):
                size = job.sizes[end]
                if n_texts and (n_texts + 1 > limit_texts or n_chars + size > limit_chars):
                    full = True
                    break
                n_texts, n_chars, end = n_texts + 1, n_chars + size, end + 1
            if end > job.next:
                parts.append((job, job.next, end))
            if full or n_texts >= limit_texts or n_chars >= limit_chars:
                return parts, True
        return parts, full

    def _dispatch(self) -> None:
        self._retire()
        if self._wakeup is not None:
            self._wakeup.cancel()
            self._wakeup = None
        while (replica := self._free_replica()) is not None:
            parts, full = self._plan()
            if not parts:
                return
            fresh = [job.queued_at for job, start, _ in parts if start == 0]
            if not full and len(fresh) == len(parts):  # wait a little for others to join
                ready_at = min(fresh) + self.settings.max_wait_ms / 1000
                delay = ready_at - time.monotonic()
                if delay > 0:
                    assert self._loop is not None
                    self._wakeup = self._loop.call_later(delay, self._dispatch)
                    return
            self._launch(replica, parts)

    def _launch(self, replica: Predictor, parts: list[Part]) -> None:
        task, params = parts[0][0].task, parts[0][0].params
        texts: list[Any] = []
        for job, start, end in parts:
            texts += job.texts[start:end]
            chars = sum(job.sizes[start:end])
            job.next, job.running = end, job.running + 1
            job.waiting_chars -= chars
            self._queued_chars -= chars
            self._jobs.remove(job)
            if end < len(job.texts):
                self._jobs.append(job)  # its turn comes again after the others'
        self.metrics.queued_chars.set(self._queued_chars)
        self.metrics.batch_size.observe(len(texts))
        self._busy.add(id(replica))
        chars = sum(sum(job.sizes[start:end]) for job, start, end in parts)
        is_long = bool(self.settings.reserve_chars) and chars > self.settings.reserve_chars
        self._long_running += is_long
        started = time.monotonic()
        assert self._loop is not None
        future = self._loop.run_in_executor(self._executor, replica.predict, texts, task, "row",
                                            params or None)
        future.add_done_callback(
            lambda f: self._finished(replica, parts, f, started, chars, is_long))

    def _finished(self, replica: Predictor, parts: list[Part], future: asyncio.Future,
                  started: float, chars: int, is_long: bool) -> None:
        self._busy.discard(id(replica))
        self._long_running -= is_long
        error = future.exception() if not future.cancelled() else RuntimeError("cancelled")
        if error is None:
            elapsed = max(time.monotonic() - started, 1e-6)
            speed = chars / elapsed
            self._chars_per_s = speed if self._chars_per_s is None else (
                0.8 * self._chars_per_s + 0.2 * speed)
        rows: list[Any] = [] if error is not None else future.result()
        offset = 0
        for job, start, end in parts:
            job.running -= 1
            if job.future.done():
                pass  # the caller left; its results are not needed
            elif error is not None:  # a bug or a broken model: fail these requests only
                job.future.set_exception(error)
            else:
                job.results[start:end] = rows[offset:offset + end - start]
                job.finished += end - start
                if job.finished == len(job.texts):
                    job.future.set_result(job.results)
            offset += end - start
        self._dispatch()


def _close(replicas) -> None:
    for replica in replicas:
        if hasattr(replica, "close"):  # a copy in a worker process
            replica.close()
