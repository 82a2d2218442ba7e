"""Request body limit as ASGI middleware: a body over the limit gets 413 with a JSON message
before it is read into memory, whether or not the client sent ``Content-Length``."""

from __future__ import annotations

import json


class BodyTooLarge(Exception):
    pass


def _reply(status: int, payload: dict):
    body = json.dumps(payload).encode()

    async def send_it(send) -> None:
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return send_it


class BodyLimitMiddleware:
    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        message = {"error": f"request body over the limit of {self.max_bytes:,} bytes; send "
                            "fewer or shorter texts per request"}
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            return await _reply(413, message)(send)
        seen = 0
        started = False

        async def counting_receive():
            nonlocal seen
            event = await receive()
            if event["type"] == "http.request":
                seen += len(event.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge()
            return event

        async def tracking_send(event):
            nonlocal started
            if event["type"] == "http.response.start":
                started = True
            await send(event)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _reply(413, message)(send)
