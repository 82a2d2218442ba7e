"""Normalise mentions and generate the short names people use for organisations."""

from __future__ import annotations

import re

_PUNCT = re.compile(r"[^\w&\s]")
_SPACES = re.compile(r"\s+")
_CLASS = re.compile(r"\s*\(?\bclass\s+[a-z]\b\)?\s*$", re.I)
_SUFFIXES = {
    "inc", "incorporated", "corp", "corporation", "co", "company", "companies", "plc", "ltd",
    "limited", "llc", "lp", "holdings", "holding", "group", "sa", "nv", "ag", "se",
}


def normalise(text: str) -> str:
    """Lower-case, drop possessive 's, punctuation and a leading "the"."""
    text = text.strip().replace("\u2019", "'")
    text = re.sub(r"'s$", "", text)
    text = _PUNCT.sub(" ", text.lower())
    text = _SPACES.sub(" ", text).strip()
    return text[4:] if text.startswith("the ") else text


def strip_class(name: str) -> str:
    """``Alphabet Inc. (Class A)`` → ``Alphabet Inc.``"""
    return _CLASS.sub("", name).strip()


def company_aliases(name: str) -> list[str]:
    """Short forms of a company name: ``Apple Inc.`` → ``Apple``; ``Amazon.com`` → ``Amazon``."""
    base = strip_class(name)
    out = [base]
    words = base.replace(",", " ").split()
    while len(words) > 1 and normalise(words[-1]) in _SUFFIXES:
        words = words[:-1]
        out.append(" ".join(words))
    short = out[-1]
    if short.lower().endswith(".com"):
        out.append(short[:-4])
    if short.lower().startswith("the "):
        out.append(short[4:])
    if "&" in short:
        out.append(short.replace("&", "and"))
    seen, result = set(), []
    for alias in out:
        key = normalise(alias)
        if len(key) >= 2 and key not in seen:
            seen.add(key)
            result.append(alias.strip(" ,"))
    return result
