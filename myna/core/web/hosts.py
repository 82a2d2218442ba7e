"""Which sites may talk to a server, checked before anything else runs.

* ``Host``: a page on another site can rebind its own DNS name to 127.0.0.1 and then read this
  server as if it were that site (DNS rebinding). Bound to loopback, a server answers only to
  loopback names and addresses; bound elsewhere, to ``allowed_hosts`` (``*``: any name).
* ``Origin``: a browser names the page that sent a request. A request that changes something
  (any method but GET/HEAD/OPTIONS) from a page of another origin is refused: no other site
  can make an annotator's browser submit or delete answers (cross-site request forgery)."""

from __future__ import annotations

from urllib.parse import urlsplit

from myna.core.web.asgi import header, send_json

LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "::1"]
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def allowed_hosts_for(bind_host: str, given: list[str] | None = None) -> list[str]:
    """Loopback binds: loopback names only (plus ``given``); other binds: ``given`` or any."""
    from myna.core.web.auth import is_loopback

    given = [h.strip().lower() for h in given or [] if h.strip()]
    if is_loopback(bind_host):
        return list(dict.fromkeys([*LOOPBACK_HOSTS, bind_host.lower(), *given]))
    return given or ["*"]


def host_name(value: str) -> str:
    """``example.com:8080`` → ``example.com``; ``[::1]:80`` → ``::1``."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def host_allowed(name: str, allowed: list[str]) -> bool:
    for pattern in allowed:
        if pattern == "*" or name == pattern:
            return True
        if pattern.startswith("*.") and name.endswith(pattern[1:]):
            return True
    return False


class HostGuard:
    def __init__(self, app, allowed_hosts: list[str]):
        self.app = app
        self.allowed = [h.lower() for h in allowed_hosts]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = header(scope, b"host") or ""
        if not host_allowed(host_name(host), self.allowed):
            return await send_json(send, 421, {
                "error": f"this server does not answer to host {host!r}; use "
                         f"{' or '.join(self.allowed)} (or start it with --allowed-host)"})
        origin = header(scope, b"origin")
        if origin is not None and scope["method"] not in SAFE_METHODS:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or parts.netloc.lower() != host.lower():
                return await send_json(send, 403, {
                    "error": f"cross-origin request from {origin!r} refused"})
        await self.app(scope, receive, send)
