"""Inputs that can be read only once: a pipe (``--file <(cmd)``, ``/dev/stdin``) or a named
FIFO. Readers look at a file more than once (row count for the progress bar, header, then
rows), and the second look at a pipe finds it empty, or, for a FIFO, waits forever for a new
writer. Such an input is copied once to a temporary file named like it, removed at exit."""

from __future__ import annotations

import atexit
import shutil
import stat
import tempfile
from pathlib import Path

_spooled: dict[str, Path] = {}
_folder: Path | None = None


def is_stream(path: Path) -> bool:
    """Not a regular file or folder: read once."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def readable_copy(path: Path) -> Path:
    """``path`` itself, or for a pipe or FIFO its contents in a temporary regular file (the
    same copy however often it is asked for)."""
    global _folder
    if not is_stream(path):
        return path
    key = str(path)
    if key not in _spooled:
        if _folder is None:
            _folder = Path(tempfile.mkdtemp(prefix="myna-input-"))
            atexit.register(shutil.rmtree, _folder, True)
        copy = _folder / f"{len(_spooled)}-{path.name or 'stdin'}"
        with open(path, "rb") as src, open(copy, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        _spooled[key] = copy
    return _spooled[key]
