"""Where results go: a run refuses an existing output unless told to skip or overwrite, and the
output appears only when complete (written beside it, then renamed over it). A folder is only
ever replaced when it is a Spark output (it holds ``_SUCCESS``) or empty: never a folder of the
user's own; the local engine writes *into* a folder it is given."""

from __future__ import annotations

import os
import shutil
import uuid
from enum import StrEnum
from pathlib import Path

from myna.core.atomic import file_mode
from myna.core.errors import InputError

SUCCESS = "_SUCCESS"  # what Spark (Hadoop) writes into a finished output folder


class Existing(StrEnum):
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


def replaceable_folder(path: Path) -> bool:
    return (path / SUCCESS).exists() or not any(path.iterdir())


def not_spark_output(where: str) -> InputError:
    return InputError(f"is a folder that is not a Spark output (no {SUCCESS} file); refusing "
                      "to replace it: give a new output path", where=where)


def local_output(output: str, input_path: str) -> Path:
    """The local engine's output file: ``output``, or inside it when it names a folder
    (``out/`` or an existing folder that is not a Spark output): ``out/<input name>.parquet``."""
    path = Path(output.removeprefix("file://")).expanduser()
    named_folder = output.endswith(("/", os.sep))
    if named_folder or (path.is_dir() and not (path / SUCCESS).exists()):
        path = path / f"{Path(input_path).stem}.parquet"
    return path


def check_spark_target(path: Path, existing: Existing) -> None:
    """Spark writes a folder: it may replace a file or a Spark output, not a user's folder."""
    if existing is Existing.overwrite and path.is_dir() and not replaceable_folder(path):
        raise not_spark_output(str(path))


def temp_sibling(path: Path) -> Path:
    """A hidden name beside ``path`` that readers of the folder skip (Spark ignores ``.``/``_``
    names), so a killed run's leftovers never look like output."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")


def commit_local(tmp: Path, path: Path) -> None:
    """Move a finished file or folder onto ``path``; an old output is removed only after the
    new one is complete, and only a Spark output folder or an empty one is ever removed."""
    if path.is_dir() and not path.is_symlink():
        if not replaceable_folder(path):
            raise not_spark_output(str(path))
        old = temp_sibling(path)
        path.rename(old)
        tmp.rename(path)
        shutil.rmtree(old, ignore_errors=True)
    else:
        if tmp.is_file():
            os.chmod(tmp, file_mode(path))  # an existing output keeps its permissions
        tmp.replace(path)
