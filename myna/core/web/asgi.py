"""Answering from ASGI middleware, before any framework has seen the request: a JSON body,
like every other error this server sends."""

from __future__ import annotations

import json
from collections.abc import Iterable


async def send_json(send, status: int, payload: dict,
                    headers: Iterable[tuple[str, str]] = ()) -> None:
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            *((k.encode("latin-1"), v.encode("latin-1")) for k, v in headers)]})
    await send({"type": "http.response.body", "body": body})


def header(scope, name: bytes) -> str | None:
    """A request header as text (the last one, if sent twice)."""
    value = None
    for key, raw in scope.get("headers") or ():
        if key == name:
            value = raw.decode("latin-1")
    return value
