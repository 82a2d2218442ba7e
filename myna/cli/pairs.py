"""``NAME=VALUE`` options (``--param``, ``--input``, ``--input-column``) as a dict."""

from __future__ import annotations

from myna.core.errors import InputError


def key_values(items: list[str], option: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"{option} {item!r}: expected NAME=VALUE")
        if key.strip() in out:
            raise InputError(f"{option} {key.strip()!r} given twice")
        out[key.strip()] = value
    return out
