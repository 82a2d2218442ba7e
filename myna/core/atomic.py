"""Write files so a crash mid-write leaves the previous file (or none) in place, with the
permissions a plain write would give, and never onto the file being read."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from myna.core.errors import InputError


def file_mode(target: Path) -> int:
    """What ``target`` gets: its current permissions, or for a new file what ``open()`` would
    give (0666 less the umask), not `mkstemp`'s private 0600."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _named_for(err: OSError, target: Path, tmp: Path) -> OSError:
    """The same error, naming the file the user asked for instead of its temporary twin."""
    if err.filename is not None and Path(str(err.filename)).name.startswith(f".{target.name}."):
        return type(err)(err.errno, err.strerror, str(target))
    return err


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` only on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise OSError(err.errno, err.strerror, str(target)) from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, file_mode(target))
        os.replace(tmp_path, target)
    except OSError as err:
        raise _named_for(err, target, tmp_path) from None
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def same_file(a: str | Path, b: str | Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one does not exist (yet)
        return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()


def refuse_input_as_output(output: str | Path, inputs: Iterable[str | Path | None],
                           option: str = "--out") -> None:
    """Writing the result onto an input would replace the data being read."""
    for source in inputs:
        if source is not None and same_file(output, source):
            raise InputError(f"is also the input {str(source)!r}; write the result to another "
                             "file", where=f"{option} {output}")


@contextlib.contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``path``; on success it takes ``path``'s place
    (a folder already there is moved aside first and removed after), on failure it goes."""
    import shutil

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and not target.is_dir():
        raise InputError("exists and is not a folder", where=str(target))
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    os.chmod(tmp, 0o777 & ~_umask())  # a plain mkdir's mode, not mkdtemp's private 0700
    try:
        yield tmp
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old",
                                        dir=target.parent))
            os.replace(target, old / target.name)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
