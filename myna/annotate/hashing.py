"""Input and task hashes, as Prodigy has them: the input hash names the text (an example
imported twice is one example), the task hash names the question asked about it (the same
question answered twice is one answer)."""

from __future__ import annotations

import hashlib


def input_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def task_hash(input_hash_: str, kind: str, label: str | None = None) -> str:
    key = f"{input_hash_}|{kind}|{label or ''}"
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
