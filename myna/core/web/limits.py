"""Request bodies, read in full before any handler runs: over ``max_bytes`` the answer is 413
(whether or not the client sent ``Content-Length``, chunked bodies included), and a body that
does not arrive within ``timeout_s`` gets 408, so a stalled client cannot hold a request open."""

from __future__ import annotations

import asyncio

from myna.core.web.asgi import header, send_json

MB = 1024 * 1024


class BodyLimitMiddleware:
    def __init__(self, app, max_bytes: int, timeout_s: float = 30.0):
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s

    def _too_large(self, send):
        return send_json(send, 413, {"error": f"request body over the limit of "
                                              f"{self.max_bytes:,} bytes; send fewer or "
                                              "shorter texts per request"})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            return await self._too_large(send)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        chunks: list[bytes] = []
        seen = 0
        while True:
            try:
                event = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0))
            except TimeoutError:
                return await send_json(send, 408, {"error": f"the request body did not arrive "
                                                            f"within {self.timeout_s:g} s"})
            if event["type"] == "http.disconnect":
                return  # the client left; nobody to answer
            chunk = event.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                return await self._too_large(send)
            chunks.append(chunk)
            if not event.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: only a disconnect can come

        await self.app(scope, replay, send)
