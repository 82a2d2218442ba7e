"""The annotation store (SQLAlchemy): datasets, their examples (the queue) and the answers.
Every write is one transaction, committed before the caller returns (see `tables` for the
keys that make serving and answering idempotent)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from myna.annotate.hashing import input_hash, task_hash
from myna.annotate.tables import (
    ANSWERS,
    KINDS,
    answers_table,
    datasets_table,
    examples_table,
    insert_ignore,
    metadata,
    served_table,
)
from myna.core.errors import InputError


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Dataset:
    id: int
    name: str
    kind: str
    labels: list[str]
    exclusive: bool


@dataclass
class StoredExample:
    id: int
    text: str
    input_hash: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Answer:
    id: int
    example_id: int
    session: str
    answer: str
    text: str
    spans: list[dict[str, Any]]
    cats: dict[str, float]
    label: str | None
    input_hash: str
    task_hash: str
    created_at: datetime
    meta: dict[str, Any] = field(default_factory=dict)


class UnknownExample(InputError):
    """An example id the dataset does not have (the server answers 404)."""


@dataclass
class ImportRow:
    """A text to add, with the answer it already carries (``answer`` None: just a text)."""

    text: str
    extra: dict[str, Any] = field(default_factory=dict)
    answer: str | None = None
    session: str = "db-in"
    spans: list[dict[str, Any]] = field(default_factory=list)
    cats: dict[str, float] = field(default_factory=dict)
    label: str | None = None


class Store:
    """One database; many datasets. Open with `open_store`."""

    def __init__(self, engine: Engine):
        self.engine = engine
        metadata.create_all(engine)

    # datasets ---------------------------------------------------------------------------
    def ensure_dataset(self, name: str, kind: str, labels: Iterable[str] = (),
                       exclusive: bool = True) -> Dataset:
        """Create the dataset, or check an existing one has this shape and add new labels."""
        if kind not in KINDS:
            raise InputError(f"unknown dataset kind {kind!r}")
        labels = list(dict.fromkeys(labels))
        with self.engine.begin() as conn:
            row = conn.execute(select(datasets_table).where(
                datasets_table.c.name == name)).first()
            if row is None:
                try:
                    conn.execute(insert(datasets_table).values(
                        name=name, kind=kind, labels=json.dumps(labels), exclusive=exclusive,
                        created_at=utcnow()))
                except IntegrityError:  # created meanwhile by another process: check it
                    return self.ensure_dataset(name, kind, labels, exclusive)
            else:
                ds = _dataset(row._mapping)
                if ds.kind != kind:
                    raise InputError(
                        f"dataset {name!r} holds {ds.kind} annotations, not {kind}; use "
                        "another dataset name (see `myna annotate list`)")
                merged = ds.labels + [lab for lab in labels if lab not in ds.labels]
                if merged != ds.labels:
                    conn.execute(update(datasets_table).where(
                        datasets_table.c.id == ds.id).values(labels=json.dumps(merged)))
        return self.dataset(name)

    def dataset(self, name: str) -> Dataset:
        with self.engine.connect() as conn:
            row = conn.execute(select(datasets_table).where(
                datasets_table.c.name == name)).first()
        if row is None:
            raise InputError(f"no dataset named {name!r} (see `myna annotate list`)")
        return _dataset(row._mapping)

    def datasets(self) -> list[Dataset]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(datasets_table).order_by(datasets_table.c.name)).all()
        return [_dataset(r._mapping) for r in rows]

    def drop(self, name: str) -> None:
        ds = self.dataset(name)
        with self.engine.begin() as conn:
            for table in (answers_table, served_table, examples_table):
                conn.execute(delete(table).where(table.c.dataset_id == ds.id))
            conn.execute(delete(datasets_table).where(datasets_table.c.id == ds.id))

    # examples ---------------------------------------------------------------------------
    def import_rows(self, ds: Dataset, rows: Iterable[ImportRow], batch_size: int = 5000,
                    ) -> tuple[int, int, int]:
        """Examples and, where a row carries one, its answer, in one transaction: an error
        raised while reading the rows writes nothing. Returns (examples added, duplicates,
        answers stored)."""
        added = seen = answered = 0
        with self.engine.begin() as conn:
            batch: list[ImportRow] = []
            for row in rows:
                seen += 1
                batch.append(row)
                if len(batch) >= batch_size:
                    a, n = self._import_batch(conn, ds, batch)
                    added, answered, batch = added + a, answered + n, []
            if batch:
                a, n = self._import_batch(conn, ds, batch)
                added, answered = added + a, answered + n
        return added, seen - added, answered

    def _import_batch(self, conn, ds: Dataset, batch: list[ImportRow]) -> tuple[int, int]:
        rows = [{"dataset_id": ds.id, "input_hash": input_hash(r.text), "text": r.text,
                 "extra": json.dumps(r.extra) if r.extra else None} for r in batch]
        added = self._insert_new(conn, rows)
        with_answers = [(row, r) for row, r in zip(rows, batch, strict=True) if r.answer]
        if not with_answers:
            return added, 0
        hashes = list({row["input_hash"] for row, _ in with_answers})
        ids = dict(conn.execute(select(examples_table.c.input_hash, examples_table.c.id).where(
            examples_table.c.dataset_id == ds.id,
            examples_table.c.input_hash.in_(hashes))).all())
        now = utcnow()
        answers, served = [], []
        for row, r in with_answers:
            example_id = ids[row["input_hash"]]
            served.append({"dataset_id": ds.id, "session": r.session, "example_id": example_id,
                           "claim": None, "served_at": now})
            answers.append({
                "dataset_id": ds.id, "example_id": example_id, "session": r.session,
                "answer": r.answer, "spans": json.dumps(r.spans), "cats": json.dumps(r.cats),
                "label": r.label, "input_hash": row["input_hash"],
                "task_hash": task_hash(str(row["input_hash"]), ds.kind, r.label),
                "created_at": now})
        conn.execute(insert_ignore(conn, served_table, ["dataset_id", "session",
                                                         "example_id"]), served)
        stored = conn.execute(insert_ignore(conn, answers_table, ["dataset_id", "session",
                                                                  "task_hash"])
                              .returning(answers_table.c.id), answers).all()
        return added, len(stored)

    def _insert_new(self, conn, batch: list[dict[str, Any]]) -> int:
        unique = list({r["input_hash"]: r for r in batch}.values())
        # RETURNING counts the rows inserted on both dialects (executemany's rowcount does not)
        stmt = insert_ignore(conn, examples_table, ["dataset_id", "input_hash"])
        return len(conn.execute(stmt.returning(examples_table.c.id), unique).all())

    def example(self, ds: Dataset, example_id: int) -> StoredExample:
        with self.engine.connect() as conn:
            row = conn.execute(select(examples_table).where(
                examples_table.c.dataset_id == ds.id, examples_table.c.id == example_id)).first()
        if row is None:
            raise UnknownExample(f"dataset {ds.name!r} has no example {example_id}")
        return _example(row._mapping)

    # the queue ----------------------------------------------------------------------------
    def unserved(self, ds: Dataset, session: str, overlap: bool, limit: int = 1,
                 claim_ttl: timedelta | None = None) -> list[StoredExample]:
        """The next examples this session has not been given, in import order. Without
        overlap, also none that another session holds a claim on or has answered; a claim
        older than ``claim_ttl`` (a session that went away) no longer holds."""
        s, a, e = served_table, answers_table, examples_table
        mine = and_(s.c.dataset_id == ds.id, s.c.example_id == e.c.id, s.c.session == session)
        taken = [~exists().where(mine)]
        if not overlap:
            claimed = and_(s.c.dataset_id == ds.id, s.c.example_id == e.c.id,
                           s.c.claim.is_not(None))
            if claim_ttl is not None:
                claimed = and_(claimed, s.c.served_at > utcnow() - claim_ttl)
            taken += [~exists().where(claimed),
                      ~exists().where(and_(a.c.dataset_id == ds.id, a.c.example_id == e.c.id))]
        query = (select(e).where(e.c.dataset_id == ds.id, *taken).order_by(e.c.id).limit(limit))
        with self.engine.connect() as conn:
            return [_example(r._mapping) for r in conn.execute(query).all()]

    def mark_served(self, ds: Dataset, session: str, example_id: int, overlap: bool,
                    claim_ttl: timedelta | None = None) -> bool:
        """Give the example to the session; False if it (or, without overlap, another
        session whose claim has not expired) already has it."""
        s, a = served_table, answers_table
        try:
            with self.engine.begin() as conn:
                if not overlap and claim_ttl is not None:  # take over an expired claim
                    conn.execute(update(s).where(
                        s.c.dataset_id == ds.id, s.c.claim == example_id,
                        s.c.served_at <= utcnow() - claim_ttl,
                        ~exists().where(and_(a.c.dataset_id == ds.id,
                                             a.c.example_id == example_id)),
                    ).values(claim=None))
                conn.execute(insert(s).values(
                    dataset_id=ds.id, session=session, example_id=example_id,
                    claim=None if overlap else example_id, served_at=utcnow()))
            return True
        except IntegrityError:
            return False

    def next_example(self, ds: Dataset, session: str, overlap: bool, window: int = 1,
                     choose: Callable[[list[StoredExample]], StoredExample] | None = None,
                     claim_ttl: timedelta | None = None) -> StoredExample | None:
        """Serve the next example (``choose`` picks one of the next ``window`` unserved ones,
        the first by default); concurrent callers never get the same one. Each lost race
        means another caller took that example, so the loop ends when the queue does."""
        while True:
            candidates = self.unserved(ds, session, overlap, window, claim_ttl)
            if not candidates:
                return None
            picked = choose(candidates) if choose else candidates[0]
            if self.mark_served(ds, session, picked.id, overlap, claim_ttl):
                return picked

    def pending(self, ds: Dataset, session: str) -> list[StoredExample]:
        """Examples served to the session that it has not answered (a reloaded page)."""
        s, a = served_table, answers_table
        query = (select(examples_table).join(s, and_(
            s.c.dataset_id == ds.id, s.c.session == session,
            s.c.example_id == examples_table.c.id))
            .where(~exists().where(and_(a.c.dataset_id == ds.id, a.c.session == session,
                                        a.c.example_id == examples_table.c.id)))
            .order_by(s.c.served_at, examples_table.c.id))
        with self.engine.connect() as conn:
            return [_example(r._mapping) for r in conn.execute(query).all()]

    # answers ------------------------------------------------------------------------------
    def add_answer(self, ds: Dataset, example: StoredExample, session: str, answer: str,
                   spans: list[dict[str, Any]] | None = None,
                   cats: dict[str, float] | None = None, label: str | None = None,
                   ) -> tuple[int, bool]:
        """Store an answer; the same task answered again by the same session replaces the
        first (one row). Returns ``(answer id, created)``."""
        if answer not in ANSWERS:
            raise InputError(f"answer must be one of {', '.join(ANSWERS)}, not {answer!r}")
        thash = task_hash(example.input_hash, ds.kind, label)
        values = {"answer": answer, "spans": json.dumps(spans or []),
                  "cats": json.dumps(cats or {}), "label": label, "created_at": utcnow()}
        with self.engine.begin() as conn:
            conn.execute(insert_ignore(conn, served_table, ["dataset_id", "session",
                                                             "example_id"]),
                         [{"dataset_id": ds.id, "session": session, "example_id": example.id,
                           "claim": None, "served_at": utcnow()}])
            found = conn.execute(select(answers_table.c.id).where(
                answers_table.c.dataset_id == ds.id, answers_table.c.session == session,
                answers_table.c.task_hash == thash)).first()
            if found is not None:
                conn.execute(update(answers_table).where(
                    answers_table.c.id == found.id).values(**values))
                return int(found.id), False
            result = conn.execute(insert(answers_table).values(
                dataset_id=ds.id, example_id=example.id, session=session,
                input_hash=example.input_hash, task_hash=thash, **values))
            return int(result.inserted_primary_key[0]), True  # type: ignore[index]

    def undo(self, ds: Dataset, session: str) -> dict[str, Any] | None:
        """Delete the session's latest answer and return it (the UI shows it again)."""
        a = answers_table
        with self.engine.begin() as conn:
            row = conn.execute(select(a.c.id, a.c.example_id, a.c.answer, a.c.spans, a.c.cats,
                                      a.c.label).where(
                a.c.dataset_id == ds.id, a.c.session == session,
            ).order_by(a.c.id.desc()).limit(1)).first()
            if row is None:
                return None
            conn.execute(delete(a).where(a.c.id == row.id))
        return {"example_id": int(row.example_id), "answer": row.answer, "label": row.label,
                "spans": json.loads(row.spans or "[]"), "cats": json.loads(row.cats or "{}")}

    def answers(self, ds: Dataset, sessions: list[str] | None = None) -> list[Answer]:
        a, e = answers_table, examples_table
        query = (select(a, e.c.text, e.c.extra).join(e, e.c.id == a.c.example_id)
                 .where(a.c.dataset_id == ds.id).order_by(a.c.id))
        if sessions:
            query = query.where(a.c.session.in_(sessions))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [_answer(r._mapping) for r in rows]

    def counts(self, ds: Dataset) -> dict[str, Any]:
        """Examples, answered examples, and answers per session and per answer."""
        a = answers_table
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(examples_table).where(
                examples_table.c.dataset_id == ds.id)).scalar_one()
            answered = conn.execute(select(func.count(func.distinct(a.c.example_id))).where(
                a.c.dataset_id == ds.id)).scalar_one()
            per = conn.execute(select(a.c.session, a.c.answer, func.count()).where(
                a.c.dataset_id == ds.id).group_by(a.c.session, a.c.answer)).all()
        sessions: dict[str, dict[str, int]] = {}
        for session, answer, n in per:
            sessions.setdefault(session, {})[answer] = n
        return {"examples": total, "answered": answered, "sessions": sessions}

    def label_counts(self, ds: Dataset) -> dict[str, int]:
        """Accepted answers per label (entity spans, or categories marked true)."""
        counts: dict[str, int] = {}
        for a in self.answers(ds):
            if a.answer != "accept":
                continue
            for lab in [s["label"] for s in a.spans] + [k for k, v in a.cats.items() if v >= .5]:
                counts[lab] = counts.get(lab, 0) + 1
        return counts

    def session_done(self, ds: Dataset, session: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(answers_table).where(
                answers_table.c.dataset_id == ds.id,
                answers_table.c.session == session)).scalar_one()


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _dataset(m: Any) -> Dataset:
    return Dataset(id=m["id"], name=m["name"], kind=m["kind"], labels=json.loads(m["labels"]),
                   exclusive=bool(m["exclusive"]))


def _example(m: Any) -> StoredExample:
    return StoredExample(id=m["id"], text=m["text"], input_hash=m["input_hash"],
                         extra=json.loads(m["extra"]) if m["extra"] else {})


def _answer(m: Any) -> Answer:
    extra = json.loads(m["extra"]) if m["extra"] else {}
    return Answer(id=m["id"], example_id=m["example_id"], session=m["session"],
                  answer=m["answer"], text=m["text"], spans=json.loads(m["spans"] or "[]"),
                  cats=json.loads(m["cats"] or "{}"), label=m["label"],
                  input_hash=m["input_hash"], task_hash=m["task_hash"],
                  created_at=_aware(m["created_at"]), meta=extra.get("meta", {}))
