"""Mend the escapes web-scraped news text often carries (AG News is the classic case): HTML
entities whose ``&`` became a space (``company #39;s``, `` #36;2 billion``, `` quot;``,
`` amp;``), escaped markup (``&lt;p&gt;``), ``\\`` standing for a line break and ``\\$``
for a dollar.

A reader option (`myna train textcat --repair-escapes`, `myna evaluate --repair-escapes`): it
changes the text, so character offsets move; entity spans are never read through it.
"""

from __future__ import annotations

import html
import re

# "&#39;" scraped as " #39;" (or intact); two to five digits keeps "#1;" rankings alone.
_NUMERIC = re.compile(r"(?:&| )?#(\d{2,5});")
_NAMED = re.compile(r"(?:&| )?(quot|amp|apos|lt|gt|nbsp);")
_NAMED_CHARS = {"quot": '"', "amp": "&", "apos": "'", "lt": "<", "gt": ">", "nbsp": " "}
_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,200}>")
_ESCAPED_DOLLAR = re.compile(r"\\+(?=\$)")
_LINE_BREAK = re.compile(r"\s*\\+\s*")
_SPACES = re.compile(r"[ \t]{2,}")


def _numeric(match: re.Match[str]) -> str:
    code = int(match.group(1))
    try:
        return chr(code) if code >= 32 else match.group(0)
    except ValueError:  # beyond Unicode
        return match.group(0)


def repair_escapes(text: str) -> str:
    """The text with entity remnants decoded, markup dropped, ``\\`` breaks made spaces."""
    text = _NUMERIC.sub(_numeric, text)
    text = _NAMED.sub(lambda m: _NAMED_CHARS[m.group(1)], text)
    text = html.unescape(text)
    text = _TAG.sub(" ", text)
    text = _ESCAPED_DOLLAR.sub("", text)
    text = _LINE_BREAK.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def repair_examples(examples: list, where: str) -> None:
    """Repair each example's text in place; examples with entity spans are refused (their
    character offsets would no longer point at their words)."""
    from myna.core.errors import InputError

    for i, ex in enumerate(examples, start=1):
        if ex.spans:
            raise InputError("--repair-escapes changes the text, so it is for text "
                             "classification data; this example has entity spans",
                             where=f"{where}: example {i}")
        ex.text = repair_escapes(ex.text)
