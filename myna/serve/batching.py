"""Micro-batching: concurrent requests wait at most ``max_wait_ms`` to share one ``nlp.pipe``
call, which runs on a worker thread so the event loop keeps accepting requests."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from myna.serve.holder import ModelHolder
from myna.serve.metrics import Metrics


@dataclass
class _Job:
    task: str
    texts: list[str]
    future: asyncio.Future
    queued: float = field(default_factory=time.perf_counter)


class MicroBatcher:
    def __init__(self, holder: ModelHolder, metrics: Metrics, max_batch: int = 64,
                 max_wait_ms: float = 5.0):
        self.holder = holder
        self.metrics = metrics
        self.max_batch = max_batch
        self.max_wait = max_wait_ms / 1000
        self._queue: asyncio.Queue[_Job] | None = None
        self._runner: asyncio.Task | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="myna-predict")

    def start(self) -> None:
        self._queue = asyncio.Queue()
        self._runner = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def predict(self, task: str, texts: list[str]) -> list[dict[str, Any]]:
        """One record per text, each with an ``error`` field (None when it ran)."""
        future = asyncio.get_running_loop().create_future()
        await self._queue.put(_Job(task, texts, future))
        return await future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            jobs = [await self._queue.get()]
            size = len(jobs[0].texts)
            deadline = loop.time() + self.max_wait
            while size < self.max_batch:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                try:
                    job = await asyncio.wait_for(self._queue.get(), remaining)
                except TimeoutError:
                    break
                jobs.append(job)
                size += len(job.texts)
            by_task: dict[str, list[_Job]] = defaultdict(list)
            for job in jobs:
                by_task[job.task].append(job)
            for task, group in by_task.items():
                await self._run_group(loop, task, group)

    async def _run_group(self, loop, task: str, group: list[_Job]) -> None:
        group = [job for job in group if not job.future.done()]  # timed-out callers left
        if not group:
            return
        predictor = self.holder.current.predictor  # fixed for this batch, whatever swaps
        texts = [t for job in group for t in job.texts]
        self.metrics.batch_size.observe(len(texts))
        try:
            rows = await loop.run_in_executor(self._executor, predictor.predict, texts, task,
                                              "row")
        except Exception as err:  # a bug or a broken model: fail these requests, not the loop
            for job in group:
                if not job.future.done():
                    job.future.set_exception(err)
            return
        start = 0
        for job in group:
            if not job.future.done():
                job.future.set_result(rows[start:start + len(job.texts)])
            start += len(job.texts)
