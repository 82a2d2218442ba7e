"""Turn raw cell values into text, reporting the ones that cannot be text."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from myna.core.errors import InputError


@dataclass
class ReadReport:
    """Counts of cells a reader had to convert, so the CLI can tell the user."""

    rows: int = 0
    empty: int = 0
    converted: int = 0
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str | None:
        parts = []
        if self.empty:
            parts.append(f"{self.empty} empty or null text cell(s) gave empty results")
        if self.converted:
            parts.append(f"{self.converted} non-text cell(s) were converted to text")
        if self.skipped:
            parts.append(f"{len(self.skipped)} bad row(s) skipped (first: {self.skipped[0]})")
        return "; ".join(parts) or None


def cell_to_text(value: Any, where: str, report: ReadReport | None = None) -> str:
    """Strings pass; null/NaN become ""; numbers and booleans become their text; else error."""
    if isinstance(value, str):
        if report is not None and not value:
            report.empty += 1
        return value
    if value is None or (isinstance(value, float) and math.isnan(value)):
        if report is not None:
            report.empty += 1
        return ""
    if isinstance(value, bool | int | float):
        if report is not None:
            report.converted += 1
        return str(value)
    raise InputError(f"expected text, found a {type(value).__name__}: {str(value)[:60]!r}",
                     where=where)


def check_utf8(text: str, where: str) -> str:
    """Text read with ``surrogateescape`` carries undecodable bytes as lone surrogates."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        bad = text[err.start].encode("utf-8", "surrogateescape")
        raise InputError(
            f"not valid UTF-8 (byte 0x{bad.hex()} at character {err.start}); "
            "pass --encoding if the file uses another encoding",
            where=where,
        ) from None
    return text
