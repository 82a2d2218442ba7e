"""The annotation server against hostile pages and malformed requests: every bad value is a
422 (never a 500), other sites cannot submit or delete answers through the annotator's browser
(CSRF) or read the queue by DNS rebinding, session names are checked everywhere they come in."""

import base64
import json

import pytest
from fastapi.testclient import TestClient

from myna.annotate.database import open_store
from myna.annotate.recipes.ner import ner_manual
from myna.annotate.recipes.textcat import textcat_manual
from myna.annotate.server import create_app
from myna.annotate.service import AnnotationService
from myna.annotate.store import ImportRow
from myna.core.web.hosts import allowed_hosts_for

TEXTS = ["Apple hired Tim Cook.", "IBM rose.", "Stocks fell."]
LOOPBACK = "http://127.0.0.1:8080"


def served(recipe, password=None):
    store = open_store()
    ds = store.ensure_dataset("d", recipe.kind, recipe.labels, recipe.exclusive)
    store.import_rows(ds, [ImportRow(text=t) for t in TEXTS])
    app = create_app(AnnotationService(store, ds, recipe), password,
                     allowed_hosts=allowed_hosts_for("127.0.0.1"))
    return TestClient(app, base_url=LOOPBACK), store


def token(client, **kw) -> str:
    return client.get("/api/config", **kw).json()["csrf_token"]


@pytest.mark.parametrize("raw, where", [
    (b'{"session": 5, "id": 1, "answer": "accept"}', "session"),
    (b'{"session": ["a"], "id": 1, "answer": "accept"}', "session"),
    (b'{"session": "s", "id": Infinity, "answer": "accept"}', "Infinity"),
    (b'{"session": "s", "id": NaN, "answer": "accept"}', "NaN"),
    (b'{"session": "s", "id": 1e400, "answer": "accept"}', "out of range"),
    (b'{"session": "s", "id": 1.5, "answer": "accept"}', "id"),
    (b'{"session": "s", "id": true, "answer": "accept"}', "id"),
    (b'{"session": "s", "id": 1180591620717411303424, "answer": "accept"}', "id"),
    (b'{"session": "s", "id": -1, "answer": "accept"}', "id"),
    (b'{"session": "s", "id": "1", "answer": "accept"}', "id"),
    (b'[' * 5000 + b']' * 5000, "nested too deeply"),
    (b'{"a":' * 5000 + b'1' + b'}' * 5000, "nested too deeply"),
])
def test_bad_values_are_422_not_500(raw, where):
    client, store = served(textcat_manual(["A", "B"], True))
    r = client.post("/api/answer", content=raw, headers={
        "content-type": "application/json", "x-csrf-token": token(client)})
    assert r.status_code == 422, r.text
    assert where in json.dumps(r.json())
    assert store.answers(store.dataset("d")) == []


def test_span_offsets_must_be_whole_numbers_in_the_text():
    client, _ = served(ner_manual(["ORG"]))
    headers = {"x-csrf-token": token(client), "content-type": "application/json"}
    task = client.get("/api/next", params={"session": "s"}).json()["task"]
    for start, end in (("0", "1e400"), ("0", "Infinity"), ("0.0", "5"), ("0", str(2**70)),
                       ("-1", "5"), ('"0"', "5")):
        raw = (f'{{"session": "s", "id": {task["id"]}, "answer": "accept", "spans": '
               f'[{{"start": {start}, "end": {end}, "label": "ORG"}}]}}')
        r = client.post("/api/answer", headers=headers, content=raw.encode())
        assert r.status_code == 422, r.text
    unknown = client.post("/api/answer", headers=headers, content=json.dumps({
        "session": "s", "id": 2**62, "answer": "accept"}).encode())
    assert unknown.status_code == 404


def test_other_sites_cannot_answer_or_undo_through_the_browser():
    client, store = served(textcat_manual(["A", "B"], True))
    good = {"x-csrf-token": token(client)}
    task = client.get("/api/next", params={"session": "s"}).json()["task"]
    body = {"session": "s", "id": task["id"], "answer": "accept", "accept": ["A"]}
    assert client.post("/api/answer", json=body, headers=good).status_code == 200
    ds = store.dataset("d")
    assert len(store.answers(ds)) == 1
    as_text = json.dumps({"session": "s"})
    attempts = [  # what a form or fetch on another site can send without the server's consent
        ("/api/undo", {"content": as_text, "headers": {"content-type": "text/plain"}}, 415),
        ("/api/undo", {"data": {"session": "s"}}, 415),  # a form post
        ("/api/undo", {"content": as_text,
                       "headers": {"content-type": "text/plain", **good}}, 415),
        ("/api/undo", {"json": {"session": "s"}}, 403),  # no token
        ("/api/undo", {"json": {"session": "s"}, "headers": {"x-csrf-token": "guess"}}, 403),
        ("/api/undo", {"json": {"session": "s"},
                       "headers": {**good, "origin": "http://evil.example"}}, 403),
        ("/api/answer", {"json": body, "headers": {**good, "origin": "null"}}, 403),
    ]
    for path, kwargs, status in attempts:
        r = client.post(path, **kwargs)
        assert r.status_code == status, (kwargs, r.text)
    assert len(store.answers(ds)) == 1  # nothing was deleted
    same_site = client.post("/api/undo", json={"session": "s"},
                            headers={**good, "origin": LOOPBACK})
    assert same_site.status_code == 200 and store.answers(ds) == []


def test_a_rebound_host_name_cannot_read_the_queue():
    client, _ = served(textcat_manual(["A", "B"], True))
    for host in ("attacker.example", "attacker.example:8080", "127.0.0.1.nip.io:8080"):
        r = client.get("/api/next", params={"session": "s"}, headers={"host": host})
        assert r.status_code == 421 and "task" not in r.json()
    for host in ("127.0.0.1:8080", "localhost:8080", "[::1]:8080"):
        assert client.get("/api/config", headers={"host": host}).status_code == 200


def test_basic_credentials_do_not_replace_the_token():
    password = "correct horse battery"
    client, store = served(textcat_manual(["A", "B"], True), password=password)
    basic = {"authorization": "Basic " + base64.b64encode(f"u:{password}".encode()).decode()}
    task = client.get("/api/next", params={"session": "s"}, headers=basic).json()["task"]
    body = {"session": "s", "id": task["id"], "answer": "accept", "accept": ["A"]}
    assert client.post("/api/answer", json=body, headers=basic).status_code == 403
    ok = client.post("/api/answer", json=body,
                     headers={**basic, "x-csrf-token": token(client, headers=basic)})
    assert ok.status_code == 200


def test_session_names_are_checked_everywhere(myna, tmp_path):
    client, _ = served(textcat_manual(["A", "B"], True))
    for name in ("alice\n", "alice\n\n", "a b", "x" * 101):
        r = client.get("/api/next", params={"session": name})
        assert r.status_code == 422 and r.json()["where"] == "session", repr(name)
    src = tmp_path / "answers.jsonl"
    src.write_text(json.dumps({"text": "IBM rose.", "cats": {"A": 1.0, "B": 0.0},
                               "_session_id": "ok"}) + "\n"
                   + json.dumps({"text": "Stocks fell.", "cats": {"A": 0.0, "B": 1.0},
                                 "_session_id": "bad\nname"}) + "\n")
    r = myna("annotate", "db-in", "imported", src)
    assert r.code == 1 and f"{src}:2" in r.err and "session name" in r.err
    assert "imported" not in myna("annotate", "list").out  # nothing was written
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"text": "IBM rose.", "cats": {"A": 1.0}}) + "\n")
    r = myna("annotate", "db-in", "imported", good, "--session", "no spaces allowed")
    assert r.code == 1 and "session name" in r.err


def test_password_rules(myna, tmp_path):
    src = tmp_path / "t.jsonl"
    src.write_text(json.dumps({"text": "hello"}) + "\n")
    args = ["annotate", "textcat.manual", "d", src, "--label", "A,B"]
    r = myna(*args, "--password", "short")
    assert r.code == 1 and "use at least 12" in r.err
    # A long enough password on the command line works but is warned about (the unreachable
    # database then stops the command before it serves).
    r = myna(*args, "--password", "a long enough one", "--db", "postgresql://127.0.0.1:1/x")
    assert "visible to other users" in r.err and r.code == 1
