"""A throwaway PostgreSQL server on loopback for the tests, from the machine's own PostgreSQL
binaries (``.ci/run`` installs them); run as the ``postgres`` user when the tests run as root,
since PostgreSQL refuses to run as root."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager

import pytest
from spark_cluster import free_port
from system_deps import MISSING_POSTGRESQL


def _bin(name: str) -> str | None:
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found if isinstance(found, str) else (found[-1] if found else None)


@contextmanager
def postgres_server():
    """Yield a SQLAlchemy URL of an empty database; the server is stopped afterwards."""
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip(MISSING_POSTGRESQL)
    as_root = os.geteuid() == 0
    data = tempfile.mkdtemp(prefix="myna-pg-")
    prefix: list[str] = []
    if as_root:
        shutil.chown(data, "postgres", "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run([*prefix, initdb, "-D", data, "-A", "trust", "-U", "postgres",
                    "--no-sync"], check=True, capture_output=True)
    subprocess.run([*prefix, pg_ctl, "-D", data, "-w", "-l", f"{data}/server.log", "-o",
                    f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off",
                    "start"], check=True, capture_output=True)
    try:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        deadline = time.time() + 30
        import sqlalchemy

        while True:
            try:
                with sqlalchemy.create_engine(url).connect():
                    break
            except sqlalchemy.exc.OperationalError:
                if time.time() > deadline:
                    raise
                time.sleep(0.3)
        yield url
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", data, "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(data, ignore_errors=True)
