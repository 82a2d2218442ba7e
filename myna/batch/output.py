"""Where results go: a run refuses an existing output unless told to skip or overwrite, and the
output appears only when complete (written beside it, then renamed over it)."""

from __future__ import annotations

import shutil
import uuid
from enum import Enum
from pathlib import Path

from myna.errors import InputError


class Existing(str, Enum):
    error = "error"
    skip = "skip"
    overwrite = "overwrite"


def should_write(exists: bool, where: str, existing: Existing) -> bool:
    """False: skip the run. Raises when the output exists and nothing says what to do."""
    if not exists:
        return True
    if existing is Existing.skip:
        return False
    if existing is Existing.overwrite:
        return True
    raise InputError("output already exists; pass --overwrite to replace it or "
                     "--skip-existing to leave it", where=where)


def temp_sibling(path: Path) -> Path:
    """A hidden name beside ``path`` that readers of the folder skip (Spark ignores ``.``/``_``
    names), so a killed run's leftovers never look like output."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")


def commit_local(tmp: Path, path: Path) -> None:
    """Move a finished file or folder onto ``path``; an old output is removed only after the
    new one is complete."""
    if path.is_dir() and not path.is_symlink():
        old = temp_sibling(path)
        path.rename(old)
        tmp.rename(path)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.replace(path)
