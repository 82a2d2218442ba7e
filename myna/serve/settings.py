"""What a server was started with."""

from __future__ import annotations

from dataclasses import dataclass, field

MB = 1024 * 1024


@dataclass(frozen=True)
class ServeSettings:
    api_keys: list[str] = field(default_factory=list)
    max_body_bytes: int = MB
    max_text_chars: int = 100_000
    timeout_s: float = 30.0
    max_batch: int = 64
    max_wait_ms: float = 5.0
