"""What watches the answers a server gives: a rolling drift window (`--monitor`, figures on
/metrics and /monitor) and the low-confidence review queue (`--review-below`). Requests only
hand rows over; the work happens on a thread of each observer's own."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter, Gauge

from myna.serve.metrics import Metrics

log = logging.getLogger("myna.serve")


class Observer:
    def observe(self, task: str, inputs: list[Any], rows: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class Seen:
    """One answer in the drift window; its sentence embedding is computed at the first
    check that sees it and kept (each check embeds only what came since the last)."""

    text: str
    outcome: tuple[str, float] | None
    vector: Any = None


class DriftWatch(Observer):
    """The last ``window`` texts of the profile's task and the model's answers; every
    ``every_s`` seconds (when new texts came) a drift check against the reference profile."""

    def __init__(self, profile: Any, task: Any, metrics: Metrics, window: int = 1000,
                 every_s: float = 60.0, min_texts: int = 100, alpha: float = 0.05):
        self.profile, self.task, self.every_s = profile, task, every_s
        self.min_texts, self.alpha = max(min_texts, 20), alpha
        self.window: deque[Seen] = deque(maxlen=window)
        self.seen = self.checked_at_seen = 0
        self.last: dict[str, Any] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        registry = metrics.registry
        self.drift = Gauge("myna_drift", "1 when the last check found drift, else 0",
                           registry=registry)
        self.window_texts = Gauge("myna_drift_window_texts", "Texts in the drift window",
                                  registry=registry)
        self.statistic = Gauge("myna_drift_statistic", "Each drift check's statistic",
                               ["check"], registry=registry)
        self.p_value = Gauge("myna_drift_p_value", "Each drift test's p-value", ["check"],
                             registry=registry)
        self.checks = Counter("myna_drift_checks", "Drift checks run", registry=registry)

    def observe(self, task: str, inputs: list[Any], rows: list[dict[str, Any]]) -> None:
        if task != self.task.name:
            return
        with self._lock:
            for text, row in zip(inputs, rows, strict=True):
                self.window.append(Seen(text, self.task.outcome(row)))
            self.seen += len(rows)

    def check_now(self) -> dict[str, Any] | None:
        """Run a check on the window (None: too few texts, or none new since the last)."""
        import numpy as np

        from myna.monitor.check import check_drift
        from myna.monitor.profile import SAMPLE, Outputs, embed

        with self._lock:
            if len(self.window) < self.min_texts or self.seen == self.checked_at_seen:
                return None
            items, self.checked_at_seen = list(self.window), self.seen
        outputs = Outputs(self.task.name)
        for item in items:
            if item.outcome is not None:
                outputs.labels.append(item.outcome[0])
                outputs.confidences.append(item.outcome[1])
        embeddings = None
        if len(items) <= SAMPLE:  # a larger window is sampled inside the check
            new = [item for item in items if item.vector is None]
            for item, vector in zip(new, embed([i.text for i in new], self.profile.encoder),
                                    strict=True):
                item.vector = vector
            embeddings = np.stack([item.vector for item in items])
        report = check_drift(self.profile, [item.text for item in items], None, self.alpha,
                             outputs=outputs, embeddings=embeddings)
        summary = {**report.summary(), "checked_at": time.time(), "window": len(items)}
        self.checks.inc()
        self.drift.set(1 if report.drifted else 0)
        self.window_texts.set(len(items))
        for finding in report.findings:
            self.statistic.labels(finding.name).set(finding.statistic)
            if finding.p_value is not None:
                self.p_value.labels(finding.name).set(finding.p_value)
        self.last = summary
        return summary

    def _run(self) -> None:
        from myna.monitor.profile import embed

        try:
            embed(["warm-up"], self.profile.encoder)  # the encoder loads now, not mid-check
        except Exception:
            log.exception("cannot load the drift checks' encoder")
        while not self._stop.wait(self.every_s):
            try:
                self.check_now()
            except Exception:  # a failed check must not stop the watching
                log.exception("drift check failed")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="myna-drift", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()


class ReviewWriter(Observer):
    """Hands unsure answers to the review queue on a writer thread (a slow database never
    holds up a response); what is waiting is written before the server stops."""

    def __init__(self, review_queue: Any, metrics: Metrics):
        self.review = review_queue
        self.pending: queue.Queue[list[Any] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.queued = Counter("myna_review_queued", "Answers sent to the review dataset",
                              registry=metrics.registry)

    def observe(self, task: str, inputs: list[Any], rows: list[dict[str, Any]]) -> None:
        if task == self.review.task.name:
            unsure = self.review.unsure(inputs, rows, "serve")
            if unsure:
                self.pending.put(unsure)

    def _run(self) -> None:
        while (rows := self.pending.get()) is not None:
            try:
                self.queued.inc(self.review.add(rows))
            except Exception:
                log.exception("could not queue %d answers for review", len(rows))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="myna-review", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.pending.put(None)
        if self._thread is not None:
            self._thread.join(timeout=30)
