"""Prometheus metrics of one server: requests, latency, errors, batch sizes."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5,
                   5, 10)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("myna_requests", "Requests by route and status",
                                ["route", "status"], registry=self.registry)
        self.errors = Counter("myna_errors", "Error responses by route and kind",
                              ["route", "kind"], registry=self.registry)
        self.latency = Histogram("myna_request_seconds", "Request latency", ["route"],
                                 buckets=LATENCY_BUCKETS, registry=self.registry)
        self.batch_size = Histogram("myna_batch_texts", "Texts per model call",
                                    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
                                    registry=self.registry)
        self.queued_chars = Gauge("myna_queued_chars", "Characters waiting for a worker",
                                  registry=self.registry)
        self.rejected = Counter("myna_rejected", "Requests refused because the queue was full",
                                registry=self.registry)
        self.model_swaps = Counter("myna_model_swaps", "Model versions swapped in",
                                   registry=self.registry)

    def render(self) -> bytes:
        return generate_latest(self.registry)
