"""Jobs and their run history in the settings' database. A run is claimed by inserting its row:
``(job, slot, attempt)`` is unique, so when two schedulers see the same due time (or the same
new file) only one insert succeeds and only that scheduler runs it."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from myna.core.errors import InputError

metadata = MetaData()
jobs_table = Table(
    "myna_jobs", metadata,
    Column("name", String(200), primary_key=True),
    Column("kind", String(20), nullable=False),  # schedule | watch | manual (when triggered)
    Column("schedule", String(100)),
    Column("watch_dir", Text),
    Column("pattern", String(200)),
    Column("args", Text, nullable=False),  # JSON list of the `myna batch run` arguments given
    # JSON `BatchRequest.to_dict()`: what runs (null in rows from before 0.2 until migrated)
    Column("request", Text),
    Column("retries", Integer, nullable=False, default=0),
    Column("backoff_s", Float, nullable=False, default=30.0),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
runs_table = Table(
    "myna_job_runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(200), nullable=False, index=True),
    Column("slot", String(600), nullable=False),  # due time, file, or manual:<id>
    Column("attempt", Integer, nullable=False),
    Column("trigger", String(20), nullable=False),  # schedule | file | manual | drift
    Column("file", Text),
    Column("status", String(20), nullable=False),  # running | succeeded | failed | drift
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    Column("rows", Integer),
    Column("failed_rows", Integer),
    Column("error", Text),
    Column("owner", String(200)),  # host:pid of the scheduler running it
    UniqueConstraint("job", "slot", "attempt", name="one_run_per_slot"),
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite gives naive datetimes back; everything here is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@dataclass
class Job:
    name: str
    kind: str
    args: list[str]  # as the user gave them (shown by `myna jobs list`)
    request: dict[str, Any] | None = None  # the batch request that runs
    schedule: str | None = None
    watch_dir: str | None = None
    pattern: str | None = None
    retries: int = 0
    backoff_s: float = 30.0
    created_at: datetime = field(default_factory=utcnow)


@dataclass
class Run:
    id: int
    job: str
    slot: str
    attempt: int
    trigger: str
    file: str | None
    status: str
    started_at: datetime
    ended_at: datetime | None
    rows: int | None
    failed_rows: int | None
    error: str | None
    owner: str | None


def owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class JobStore:
    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine)
        self._add_missing_columns()

    def _add_missing_columns(self) -> None:
        """Databases made before the ``request`` column existed get the column (null until
        `migrate_requests` fills it)."""
        from sqlalchemy import inspect, text

        table = jobs_table.name
        have = {c["name"] for c in inspect(self.engine).get_columns(table)}
        if "request" not in have:
            with self.engine.begin() as conn:
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN request TEXT"))

    def migrate_requests(self, parse: Callable[[list[str], bool], dict[str, Any]]) -> int:
        """Fill ``request`` for jobs stored as arguments only; ``parse(args, watched)`` turns
        them into a request (the CLI's parser). Returns how many jobs were migrated."""
        with self.engine.begin() as conn:
            rows = conn.execute(select(jobs_table.c.name, jobs_table.c.kind, jobs_table.c.args)
                                .where(jobs_table.c.request.is_(None))).all()
            for name, kind, args in rows:
                request = parse(json.loads(args), kind == "watch")
                conn.execute(update(jobs_table).where(jobs_table.c.name == name)
                             .values(request=json.dumps(request)))
        return len(rows)

    def add(self, job: Job) -> None:
        row = {**job.__dict__, "args": json.dumps(job.args),
               "request": json.dumps(job.request) if job.request is not None else None}
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(jobs_table).values(**row))
        except IntegrityError:
            raise InputError(f"a job named {job.name!r} already exists; "
                             "remove it first or pick another name") from None

    def get(self, name: str) -> Job:
        with self.engine.connect() as conn:
            row = conn.execute(select(jobs_table).where(jobs_table.c.name == name)).first()
        if row is None:
            raise InputError(f"no job named {name!r} (see `myna jobs list`)")
        return self._job(row._mapping)

    def jobs(self) -> list[Job]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(jobs_table).order_by(jobs_table.c.name)).all()
        return [self._job(r._mapping) for r in rows]

    @staticmethod
    def _job(m: Any) -> Job:
        return Job(name=m["name"], kind=m["kind"], args=json.loads(m["args"]),
                   request=json.loads(m["request"]) if m["request"] else None,
                   schedule=m["schedule"], watch_dir=m["watch_dir"], pattern=m["pattern"],
                   retries=m["retries"], backoff_s=m["backoff_s"],
                   created_at=_aware(m["created_at"]) or utcnow())

    def remove(self, name: str) -> None:
        """The job goes; its history stays."""
        with self.engine.begin() as conn:
            if conn.execute(delete(jobs_table).where(jobs_table.c.name == name)).rowcount == 0:
                raise InputError(f"no job named {name!r} (see `myna jobs list`)")

    def claim(self, job: str, slot: str, trigger: str, attempt: int = 1,
              file: str | None = None) -> int | None:
        """Insert a running row; ``None`` when another scheduler already has this slot."""
        try:
            with self.engine.begin() as conn:
                result = conn.execute(insert(runs_table).values(
                    job=job, slot=slot, attempt=attempt, trigger=trigger, file=file,
                    status="running", started_at=utcnow(), owner=owner_id()))
                return int(result.inserted_primary_key[0])  # type: ignore[index]
        except IntegrityError:
            return None

    def finish(self, run_id: int, status: str, rows: int | None = None,
               failed_rows: int | None = None, error: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(runs_table).where(runs_table.c.id == run_id).values(
                status=status, ended_at=utcnow(), rows=rows, failed_rows=failed_rows,
                error=error))

    def has_slot(self, job: str, slot: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(select(runs_table.c.id).where(
                runs_table.c.job == job, runs_table.c.slot == slot)).first() is not None

    def history(self, job: str | None = None, limit: int = 50) -> list[Run]:
        query = select(runs_table).order_by(runs_table.c.id.desc()).limit(limit)
        if job:
            query = query.where(runs_table.c.job == job)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [Run(**{**r._mapping, "started_at": _aware(r.started_at),
                       "ended_at": _aware(r.ended_at)}) for r in rows]

    def last_run(self, job: str) -> Run | None:
        runs = self.history(job, limit=1)
        return runs[0] if runs else None

    def abandon_dead_runs(self) -> int:
        """Runs this host's schedulers left ``running`` when they died are marked failed."""
        import psutil

        host = socket.gethostname()
        with self.engine.begin() as conn:
            rows = conn.execute(select(runs_table.c.id, runs_table.c.owner).where(
                runs_table.c.status == "running")).all()
            dead = [r.id for r in rows if r.owner and r.owner.rsplit(":", 1)[0] == host
                    and not psutil.pid_exists(int(r.owner.rsplit(":", 1)[1]))]
            if dead:
                conn.execute(update(runs_table).where(runs_table.c.id.in_(dead)).values(
                    status="failed", ended_at=utcnow(),
                    error="the scheduler stopped during this run"))
        return len(dead)
