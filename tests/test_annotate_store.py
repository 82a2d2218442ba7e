"""The annotation store against SQLite and a real PostgreSQL server: shapes, imports,
serving without repeats (also under concurrent requests), idempotent answers, undo."""

import threading

import pytest
from pg_server import postgres_server

from myna.annotate.database import open_store
from myna.annotate.store import ImportRow
from myna.annotate.tables import metadata
from myna.core.errors import InputError


@pytest.fixture(scope="module")
def pg_url():
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return open_store(f"sqlite:///{tmp_path / 'ann.db'}")
    url = request.getfixturevalue("pg_url")
    s = open_store(url)
    metadata.drop_all(s.engine)  # each test starts empty
    metadata.create_all(s.engine)
    return s


def texts(n, prefix="text"):
    return [ImportRow(text=f"{prefix} number {i}.") for i in range(n)]


def test_default_store_is_sqlite_in_myna_home_with_wal(tmp_path):
    store = open_store()
    assert store.engine.url.database == str(tmp_path / "myna-home" / "myna.db")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL


def test_dataset_shape_is_kept_and_labels_grow(store):
    store.ensure_dataset("news", "ner", ["ORG"])
    ds = store.ensure_dataset("news", "ner", ["ORG", "TICKER"])
    assert ds.labels == ["ORG", "TICKER"]
    with pytest.raises(InputError, match="holds ner annotations, not textcat"):
        store.ensure_dataset("news", "textcat", ["Sports"])
    assert [d.name for d in store.datasets()] == ["news"]


def test_import_skips_texts_already_there(store):
    ds = store.ensure_dataset("d", "textcat", ["A", "B"])
    assert store.import_rows(ds, texts(30)) == (30, 0, 0)
    assert store.import_rows(ds, texts(40)) == (10, 30, 0)
    assert store.counts(ds)["examples"] == 40


def test_a_failing_import_writes_nothing(store):
    ds = store.ensure_dataset("d", "textcat", ["A", "B"])

    def rows():
        yield from texts(7000)  # more than one insert batch
        raise InputError("bad row", where="f.jsonl:7001")

    with pytest.raises(InputError, match="f.jsonl:7001"):
        store.import_rows(ds, rows())
    assert store.counts(ds)["examples"] == 0


def test_each_session_gets_every_text_once_with_overlap(store):
    ds = store.ensure_dataset("d", "textcat", ["A", "B"])
    store.import_rows(ds, texts(5))
    for session in ("alice", "bob"):
        got = [store.next_example(ds, session, overlap=True) for _ in range(6)]
        assert [g.text for g in got[:5]] == [f"text number {i}." for i in range(5)]
        assert got[5] is None


def test_without_overlap_texts_are_split_between_sessions(store):
    ds = store.ensure_dataset("d", "textcat", ["A", "B"])
    store.import_rows(ds, texts(6))
    a = [store.next_example(ds, "alice", overlap=False).id for _ in range(3)]
    b = [store.next_example(ds, "bob", overlap=False).id for _ in range(3)]
    assert not set(a) & set(b)
    assert store.next_example(ds, "carol", overlap=False) is None


def test_concurrent_requests_never_get_the_same_text(store):
    ds = store.ensure_dataset("d", "textcat", ["A", "B"])
    store.import_rows(ds, texts(40))
    got: list[int] = []
    lock = threading.Lock()

    def worker(session):
        for _ in range(10):
            ex = store.next_example(ds, session, overlap=False)
            with lock:
                got.append(ex.id)

    threads = [threading.Thread(target=worker, args=(f"s{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 40 and len(set(got)) == 40


def test_without_overlap_an_unanswered_claim_expires(store):
    """A session that took a text and went away does not keep it forever; an answered text
    never comes back."""
    from datetime import timedelta

    hour = timedelta(hours=1)
    ds = store.ensure_dataset("d", "textcat", ["A", "B"])
    store.import_rows(ds, texts(3))
    first = store.next_example(ds, "alice", False, claim_ttl=hour)
    assert store.next_example(ds, "bob", False, claim_ttl=hour).id != first.id
    # Alice's claim is older than a zero time-to-live: Carol gets it.
    taken = store.next_example(ds, "carol", False, claim_ttl=timedelta(0))
    assert taken.id == first.id
    store.add_answer(ds, taken, "carol", "accept", cats={"A": 1.0, "B": 0.0})
    left = [store.next_example(ds, f"s{i}", False, claim_ttl=timedelta(0)) for i in range(3)]
    assert all(left) and first.id not in {ex.id for ex in left}  # answered: never again


def test_same_task_answered_twice_is_stored_once(store):
    ds = store.ensure_dataset("d", "textcat", ["A", "B"])
    store.import_rows(ds, texts(2))
    ex = store.next_example(ds, "alice", True)
    first, created = store.add_answer(ds, ex, "alice", "accept", cats={"A": 1.0, "B": 0.0})
    again, created_again = store.add_answer(ds, ex, "alice", "accept",
                                            cats={"A": 0.0, "B": 1.0})
    assert created and not created_again and first == again
    (answer,) = store.answers(ds)
    assert answer.cats == {"A": 0.0, "B": 1.0}  # the retry's content, one row
    store.add_answer(ds, ex, "bob", "reject")
    assert len(store.answers(ds)) == 2


def test_undo_returns_the_last_answer_and_the_text_is_pending_again(store):
    ds = store.ensure_dataset("d", "ner", ["ORG"])
    store.import_rows(ds, texts(3))
    ex1 = store.next_example(ds, "alice", True)
    store.add_answer(ds, ex1, "alice", "accept", spans=[{"start": 0, "end": 4, "label": "ORG"}])
    ex2 = store.next_example(ds, "alice", True)
    assert [p.id for p in store.pending(ds, "alice")] == [ex2.id]
    undone = store.undo(ds, "alice")
    assert undone["example_id"] == ex1.id and undone["spans"][0]["label"] == "ORG"
    assert [p.id for p in store.pending(ds, "alice")] == [ex1.id, ex2.id]
    assert store.answers(ds) == []
    assert store.undo(ds, "bob") is None


def test_imported_answers_and_drop(store):
    ds = store.ensure_dataset("d", "ner", ["ORG"])
    rows = [ImportRow(text="Apple sells phones.", answer="accept", session="ann1",
                      spans=[{"start": 0, "end": 5, "label": "ORG"}]),
            ImportRow(text="Nothing here."),
            ImportRow(text="Apple sells phones.", answer="accept", session="ann1",
                      spans=[{"start": 0, "end": 5, "label": "ORG"}])]
    assert store.import_rows(ds, rows) == (2, 1, 1)
    # the annotated text counts as served to its annotator, so it is not queued for them
    assert store.next_example(ds, "ann1", True).text == "Nothing here."
    store.drop("d")
    with pytest.raises(InputError, match="no dataset named 'd'"):
        store.dataset("d")
    assert store.counts(ds) == {"examples": 0, "answered": 0, "sessions": {}}


def test_unreachable_database_is_one_clear_error():
    with pytest.raises(InputError, match="cannot reach the annotation database"):
        open_store("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(InputError, match="not a database URL"):
        open_store("nonsense://")
