"""API keys: from ``MYNA_API_KEYS`` (comma-separated) and/or a key file (one per line).
Clients send ``Authorization: Bearer KEY`` or ``X-API-Key: KEY``; keys are compared in
constant time so response timing does not leak how much of a key was right."""

from __future__ import annotations

import hmac
import ipaddress
from pathlib import Path

from myna.core.errors import InputError
from myna.core.settings import get_settings
from myna.core.web.asgi import header, send_json

LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


def load_keys(key_file: Path | None = None) -> list[str]:
    keys = list(get_settings().api_keys)
    if key_file is not None:
        try:
            lines = key_file.read_text(encoding="utf-8").splitlines()
        except OSError as err:
            raise InputError(f"cannot read the API key file: {err.strerror}",
                             where=str(key_file)) from None
        stripped = (line.strip() for line in lines)
        keys += [line for line in stripped if line and not line.startswith("#")]
    short = [k for k in keys if len(k) < 16]
    if short:
        raise InputError(f"{len(short)} API key(s) shorter than 16 characters; use long random "
                         "keys (python -c 'import secrets; print(secrets.token_urlsafe(32))')")
    return keys


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_binding(host: str, keys: list[str]) -> None:
    """Refuse to listen beyond this machine without keys."""
    if not keys and not is_loopback(host):
        raise InputError(f"refusing to serve on {host} without API keys: anyone who can reach "
                         "it could use the model; set MYNA_API_KEYS or --api-key-file, or bind "
                         "to 127.0.0.1")


def presented_key(authorization: str | None, x_api_key: str | None) -> str | None:
    if x_api_key:
        return x_api_key
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


def key_matches(presented: str | None, keys: list[str]) -> bool:
    if presented is None:
        return False
    given = presented.encode()
    found = False
    for key in keys:  # check every key so timing does not say which one was close
        found |= hmac.compare_digest(given, key.encode())
    return found


MISSING_KEY = "missing or wrong API key (send Authorization: Bearer KEY or X-API-Key: KEY)"


class KeyGuard:
    """ASGI middleware: with keys set, every path but ``open_paths`` needs one, checked before
    the body is read (a bad body from an unknown caller is a 401, not a parse error)."""

    def __init__(self, app, keys: list[str], open_paths: frozenset[str] = frozenset({"/health"})):
        self.app = app
        self.keys = keys
        self.open_paths = open_paths

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not self.keys or scope["path"] in self.open_paths:
            return await self.app(scope, receive, send)
        given = presented_key(header(scope, b"authorization"), header(scope, b"x-api-key"))
        if not key_matches(given, self.keys):
            return await send_json(send, 401, {"error": MISSING_KEY},
                                   [("www-authenticate", "Bearer")])
        await self.app(scope, receive, send)
