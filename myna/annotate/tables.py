"""The annotation tables. An example is served to a session by inserting a ``served`` row:
its primary key ``(dataset, session, example)`` means no session gets an example twice, and in
no-overlap mode the ``claim`` column (unique per dataset) means no two sessions get the same
example. An answer is unique per ``(dataset, session, task_hash)``, so a double click or a
retried request stores one answer."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from myna.core.errors import InputError

ANSWERS = ("accept", "reject", "ignore")
KINDS = ("ner", "textcat")
ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER keys only

metadata = MetaData()
datasets_table = Table(
    "myna_ann_datasets", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), unique=True, nullable=False),
    Column("kind", String(20), nullable=False),  # ner | textcat: the shape of its answers
    Column("labels", Text, nullable=False),  # JSON list
    Column("exclusive", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
examples_table = Table(
    "myna_ann_examples", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("dataset_id", Integer, ForeignKey("myna_ann_datasets.id", ondelete="CASCADE"),
           nullable=False),
    Column("input_hash", String(32), nullable=False),
    Column("text", Text, nullable=False),
    Column("extra", Text),  # JSON: meta and suggested spans / cats / versions
    UniqueConstraint("dataset_id", "input_hash", name="one_example_per_input"),
    Index("ix_ann_examples_queue", "dataset_id", "id"),
)
served_table = Table(
    "myna_ann_served", metadata,
    Column("dataset_id", Integer, primary_key=True),
    Column("session", String(200), primary_key=True),
    Column("example_id", ID, primary_key=True),
    Column("claim", ID),  # = example_id without overlap (unique), NULL with overlap
    Column("served_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("dataset_id", "claim", name="one_session_per_example"),
    Index("ix_ann_served_example", "dataset_id", "example_id"),
)
answers_table = Table(
    "myna_ann_answers", metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("dataset_id", Integer, ForeignKey("myna_ann_datasets.id", ondelete="CASCADE"),
           nullable=False),
    Column("example_id", ID, nullable=False),
    Column("session", String(200), nullable=False),
    Column("answer", String(10), nullable=False),
    Column("spans", Text),  # JSON list of {start, end, label}
    Column("cats", Text),  # JSON {label: 0/1}
    Column("label", String(200)),  # the label a binary (teach) question asked about
    Column("input_hash", String(32), nullable=False),
    Column("task_hash", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("dataset_id", "session", "task_hash", name="one_answer_per_task"),
    Index("ix_ann_answers_session", "dataset_id", "session", "example_id"),
    Index("ix_ann_answers_example", "dataset_id", "example_id"),
)


def insert_ignore(conn, table: Table, keys: list[str]):
    """INSERT that skips rows whose unique key exists (both dialects)."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing(index_elements=keys)
    if conn.dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table).on_conflict_do_nothing(index_elements=keys)
    raise InputError(f"unsupported database {conn.dialect.name!r}; use SQLite or PostgreSQL")


