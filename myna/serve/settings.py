"""What a server was started with: its keys, hosts, and the limits that bound the work one
request (and all queued requests together) can cause."""

from __future__ import annotations

from dataclasses import dataclass, field

from myna.core.errors import InputError
from myna.core.web.limits import MB


@dataclass(frozen=True)
class ServeSettings:
    api_keys: list[str] = field(default_factory=list)
    # Host names the server answers to (DNS-rebinding guard); ["*"]: any.
    allowed_hosts: list[str] = field(default_factory=lambda: ["*"])
    docs: bool = False  # Swagger UI at /docs (its scripts come from a CDN)
    # per request
    max_body_bytes: int = MB
    max_text_chars: int = 100_000
    max_texts: int = 1_000
    max_request_chars: int = 200_000
    max_request_tokens: int = 25_000  # /v1/analyze: one result row (~200 bytes) per token
    timeout_s: float = 30.0
    # per model call
    max_batch: int = 64
    max_batch_chars: int = 20_000
    max_wait_ms: float = 5.0
    # the whole server
    workers: int = 2
    reserve_chars: int = 2_000  # one worker only takes calls this short (0: none kept)
    max_queue_chars: int = 2_000_000
    # HTTP
    max_header_bytes: int = 32 * 1024
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_text_chars", "max_texts", "max_request_chars",
                     "max_request_tokens", "max_batch", "max_batch_chars", "workers",
                     "max_queue_chars", "max_header_bytes"):
            if getattr(self, name) < 1:
                raise InputError(f"--{name.replace('_', '-')} must be at least 1, not "
                                 f"{getattr(self, name)}")
        for name in ("timeout_s", "header_timeout_s", "body_timeout_s"):
            if not getattr(self, name) > 0:
                raise InputError(f"{name} must be above 0")
        if self.reserve_chars < 0:
            raise InputError("--reserve-chars must not be negative")
        if self.max_wait_ms < 0:
            raise InputError("--max-wait-ms must not be negative")
        if self.max_queue_chars < self.max_request_chars:
            raise InputError(f"--max-queue-chars ({self.max_queue_chars:,}) must be at least "
                             f"--max-request-chars ({self.max_request_chars:,}), or no request "
                             "of the largest size could ever be queued")
