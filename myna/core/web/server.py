"""Running an ASGI app under uvicorn with the limits its HTTP protocol lacks, for both of
Myna's web servers (`myna serve`, `myna annotate`).

uvicorn's httptools protocol accepts headers of any size, waits forever for a client that
connects and sends nothing or half a request, and answers malformed requests in plain text.
`GuardedHttpToolsProtocol` bounds the request line and headers (431), gives a client
``header_timeout_s`` to send them (408), and answers both, and malformed requests, in JSON."""

from __future__ import annotations

import asyncio
import json

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

MAX_HEADER_BYTES = 32 * 1024
HEADER_TIMEOUT_S = 10.0


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    max_header_bytes = MAX_HEADER_BYTES
    header_timeout_s = HEADER_TIMEOUT_S

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._header_bytes = 0
        self._refusal: tuple[int, str] | None = None
        self._header_timer: asyncio.TimerHandle | None = None
        self._start_header_timer()

    def connection_lost(self, exc) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)

    def _start_header_timer(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout_s, self._too_slow)

    def _stop_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _too_slow(self) -> None:
        self._header_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request is being answered; only a new one's headers are timed
        self._send_error(408, f"the request headers did not arrive within "
                              f"{self.header_timeout_s:g} s")

    def _count(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > self.max_header_bytes:
            self._refusal = (431, f"request line and headers over the limit of "
                                  f"{self.max_header_bytes:,} bytes")
            raise ValueError(self._refusal[1])  # stops the parser: send_400_response follows

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = 0
        self._start_header_timer()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._stop_header_timer()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        status, message = self._refusal or (400, "malformed HTTP request")
        self._send_error(status, message)

    def _send_error(self, status: int, message: str) -> None:
        body = json.dumps({"error": message}).encode()
        self.transport.write(b"".join([
            STATUS_LINE[status], b"content-type: application/json\r\n",
            b"content-length: ", str(len(body)).encode(), b"\r\n",
            b"connection: close\r\n\r\n", body]))
        self.transport.close()


def protocol_class(max_header_bytes: int = MAX_HEADER_BYTES,
                   header_timeout_s: float = HEADER_TIMEOUT_S) -> type[GuardedHttpToolsProtocol]:
    return type("MynaHttpProtocol", (GuardedHttpToolsProtocol,),
                {"max_header_bytes": max_header_bytes, "header_timeout_s": header_timeout_s})


def server_config(app, host: str, port: int, max_header_bytes: int = MAX_HEADER_BYTES,
                  header_timeout_s: float = HEADER_TIMEOUT_S, log_level: str = "warning"):
    """The uvicorn configuration both servers run with."""
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=False,
                          http=protocol_class(max_header_bytes, header_timeout_s),
                          timeout_keep_alive=5, timeout_graceful_shutdown=10)


def run(app, host: str, port: int, max_header_bytes: int = MAX_HEADER_BYTES,
        header_timeout_s: float = HEADER_TIMEOUT_S, log_level: str = "warning") -> None:
    """Serve until SIGINT or SIGTERM (uvicorn stops taking connections, lets the requests
    in flight finish for up to 10 s, then runs the app's shutdown)."""
    import uvicorn

    uvicorn.Server(server_config(app, host, port, max_header_bytes, header_timeout_s,
                                 log_level)).run()
