"""The annotation server's API with each recipe, its checks and its security, through
FastAPI's TestClient on a real SQLite store and real spaCy pipelines."""

import base64
import json

import pytest
from fastapi.testclient import TestClient

from myna.annotate.database import open_store
from myna.annotate.recipes.ner import ner_correct, ner_manual
from myna.annotate.recipes.review import prepare_review, review_recipe
from myna.annotate.recipes.textcat import textcat_manual, textcat_teach
from myna.annotate.server import create_app
from myna.annotate.service import AnnotationService
from myna.annotate.store import ImportRow

NEWS = ["Apple shares rose after Tim Cook spoke in Cupertino.",
        "Investors bought AAPL and MSFT on Monday.",
        "<script>alert('x')</script> Google opened an office in Paris."]


def client_for(recipe, texts=NEWS, dataset="d", password=None, keys=None):
    store = open_store()
    ds = store.ensure_dataset(dataset, recipe.kind, recipe.labels, recipe.exclusive)
    store.import_rows(ds, [ImportRow(text=t) for t in texts])
    client = TestClient(create_app(AnnotationService(store, ds, recipe), password, keys))
    return (client if password or keys else with_token(client)), store


def with_token(client: TestClient) -> TestClient:
    """As the page does: the token for POSTs comes from the config."""
    client.headers["X-CSRF-Token"] = client.get("/api/config").json()["csrf_token"]
    return client


def test_ner_manual_tokens_patterns_and_span_checks(tmp_path):
    patterns = tmp_path / "patterns.jsonl"
    patterns.write_text('{"label": "TICKER", "pattern": "AAPL"}\n'
                        '{"label": "TICKER", "pattern": [{"LOWER": "msft"}]}\n')
    client, store = client_for(ner_manual(["ORG", "PERSON", "TICKER"], patterns=patterns))
    assert client.get("/api/config").json()["view"] == "ner"
    first = client.get("/api/next", params={"session": "al"}).json()["task"]
    assert [t["text"] for t in first["tokens"][:3]] == ["Apple", "shares", "rose"]
    assert first["spans"] == []

    bad = client.post("/api/answer", json={"session": "al", "id": first["id"],
                                           "answer": "accept", "spans": [
                                               {"start": 0, "end": 3, "label": "ORG"}]})
    assert bad.status_code == 422 and "token boundaries" in bad.json()["detail"]
    bad = client.post("/api/answer", json={"session": "al", "id": first["id"],
                                           "answer": "accept", "spans": [
                                               {"start": 0, "end": 5, "label": "GPE"}]})
    assert bad.status_code == 422 and "unknown label 'GPE'" in bad.json()["detail"]
    assert store.answers(store.dataset("d")) == []  # nothing stored on a bad answer

    ok = client.post("/api/answer", json={"session": "al", "id": first["id"],
                                          "answer": "accept", "spans": [
                                              {"start": 0, "end": 5, "label": "ORG"},
                                              {"start": 24, "end": 32, "label": "PERSON"}]})
    assert ok.status_code == 200 and ok.json()["done"] == 1
    second = ok.json()["task"]
    assert [(second["text"][s["start"]:s["end"]], s["label"]) for s in second["spans"]] == [
        ("AAPL", "TICKER"), ("MSFT", "TICKER")]  # pre-highlighted by both patterns
    (stored,) = store.answers(store.dataset("d"))
    assert stored.spans[1] == {"start": 24, "end": 32, "label": "PERSON"}


def test_bad_patterns_file_names_the_line(tmp_path):
    from myna.core.errors import InputError

    patterns = tmp_path / "p.jsonl"
    patterns.write_text('{"label": "TICKER", "pattern": "AAPL"}\n{"label": "X"}\n')
    with pytest.raises(InputError, match=r"p.jsonl:2: a pattern needs"):
        ner_manual(["TICKER"], patterns=patterns)


def test_ner_correct_prefills_the_models_entities():
    client, _ = client_for(ner_correct("en_core_web_sm", ["ORG", "PERSON", "GPE", "TICKER"]))
    task = client.get("/api/next").json()["task"]
    found = {(task["text"][s["start"]:s["end"]], s["label"]) for s in task["spans"]}
    assert ("Tim Cook", "PERSON") in found and ("Apple", "ORG") in found
    assert all(s["source"] == "model" for s in task["spans"])


def test_textcat_manual_exclusive_choice():
    client, store = client_for(textcat_manual(["Business", "Sci_Tech", "Sports"], True))
    task = client.get("/api/next", params={"session": "s"}).json()["task"]
    assert [o["id"] for o in task["options"]] == ["Business", "Sci_Tech", "Sports"]
    two = client.post("/api/answer", json={"session": "s", "id": task["id"], "answer": "accept",
                                           "accept": ["Business", "Sports"]})
    assert two.status_code == 422 and "exactly one" in two.json()["detail"]
    one = client.post("/api/answer", json={"session": "s", "id": task["id"], "answer": "accept",
                                           "accept": ["Business"]})
    assert one.status_code == 200
    assert store.answers(store.dataset("d"))[0].cats == {"Business": 1.0, "Sci_Tech": 0.0,
                                                         "Sports": 0.0}


def test_double_submit_stores_one_answer_and_undo_brings_it_back():
    client, store = client_for(textcat_manual(["A", "B"], True))
    task = client.get("/api/next", params={"session": "s"}).json()["task"]
    body = {"session": "s", "id": task["id"], "answer": "accept", "accept": ["A"]}
    first = client.post("/api/answer", json=body).json()
    again = client.post("/api/answer", json=body).json()
    assert again["duplicate"] and again["saved"] == first["saved"]
    missing = client.post("/api/answer", json={**body, "id": 999_999})
    assert missing.status_code == 404 and "has no example 999999" in missing.json()["detail"]
    assert len(store.answers(store.dataset("d"))) == 1
    undone = client.post("/api/undo", json={"session": "s"}).json()["task"]
    assert undone["id"] == task["id"] and undone["accept"] == ["A"]
    assert store.answers(store.dataset("d")) == []
    # the reloaded page resumes with what the session was given and has not answered
    resumed = client.get("/api/next", params={"session": "s", "resume": 1}).json()["task"]
    assert resumed["id"] == task["id"]


def test_sessions_have_their_own_queues_and_progress():
    client, _ = client_for(textcat_manual(["A", "B"], True))
    seen = {}
    for session in ("alice", "bob"):
        ids = []
        task = client.get("/api/next", params={"session": session}).json()["task"]
        while task:
            ids.append(task["id"])
            task = client.post("/api/answer", json={"session": session, "id": task["id"],
                                                    "answer": "ignore"}).json()["task"]
        seen[session] = ids
    assert seen["alice"] == seen["bob"] and len(set(seen["alice"])) == len(NEWS)
    progress = client.get("/api/progress", params={"session": "bob"}).json()
    assert progress["examples"] == 3 and progress["done"] == 3
    assert progress["sessions"] == {"alice": {"ignore": 3}, "bob": {"ignore": 3}}
    bad = client.get("/api/next", params={"session": "../etc"})
    assert bad.status_code == 422 and bad.json()["where"] == "session"


def test_textcat_teach_asks_about_the_least_sure_text_and_learns():
    texts = [f"The striker scored a goal in match {i}." for i in range(6)] + \
            [f"The bank raised its profit forecast in quarter {i}." for i in range(6)]
    recipe = textcat_teach("en_core_web_sm", ["Sports", "Business"], True, update_every=4,
                           window=12)
    client, store = client_for(recipe, texts)
    docs = list(recipe.nlp.pipe(texts))
    margins = [abs(d.cats["Sports"] - d.cats["Business"]) for d in docs]
    task = client.get("/api/next", params={"session": "t"}).json()["task"]
    assert task["text"] == texts[margins.index(min(margins))]  # the least sure of all 12
    assert task["label"] in ("Sports", "Business") and 0 <= task["score"] <= 1

    before = recipe.nlp(texts[0]).cats["Sports"]
    for _ in range(8):
        truth = "Sports" if "striker" in task["text"] else "Business"
        answer = "accept" if task["label"] == truth else "reject"
        reply = client.post("/api/answer", json={"session": "t", "id": task["id"],
                                                 "answer": answer, "label": task["label"]})
        assert reply.status_code == 200
        task = reply.json()["task"]
    assert recipe.updates == 2  # after answers 4 and 8
    assert recipe.nlp(texts[0]).cats["Sports"] > before
    answers = store.answers(store.dataset("d"))
    assert all(a.label in ("Sports", "Business") for a in answers)
    accepted = [a for a in answers if a.answer == "accept"]
    assert all(sum(a.cats.values()) == 1.0 and len(a.cats) == 2 for a in accepted)


def test_review_shows_disagreements_and_stores_the_final_answer():
    store = open_store()
    ds = store.ensure_dataset("tc", "textcat", ["A", "B"])
    rows = []
    for session, picks in (("ann1", "AAB"), ("ann2", "ABB")):
        for i, pick in enumerate(picks):
            rows.append(ImportRow(text=f"text {i}", answer="accept", session=session,
                                  cats={"A": float(pick == "A"), "B": float(pick == "B")}))
    store.import_rows(ds, rows)
    out, to_review, auto = prepare_review(store, "final", ["tc"], show_all=False)
    assert (to_review, auto) == (1, 2)
    client = with_token(TestClient(create_app(AnnotationService(store, out,
                                                                review_recipe(out, None)))))
    task = client.get("/api/next", params={"session": "boss"}).json()["task"]
    assert task["text"] == "text 1"
    assert sorted(v["sessions"][0] for v in task["versions"]) == ["ann1", "ann2"]
    client.post("/api/answer", json={"session": "boss", "id": task["id"], "answer": "accept",
                                     "accept": ["B"]})
    assert client.get("/api/next", params={"session": "boss"}).json()["task"] is None
    finals = {a.text: a.cats for a in store.answers(out)}
    assert finals == {"text 0": {"A": 1.0, "B": 0.0}, "text 1": {"A": 0.0, "B": 1.0},
                      "text 2": {"A": 0.0, "B": 1.0}}


def test_password_and_api_keys():
    client, _ = client_for(textcat_manual(["A", "B"], True), password="s3cret",
                           keys=["k" * 20])
    assert client.get("/api/config").status_code == 401
    assert client.get("/").headers["www-authenticate"].startswith("Basic")
    basic = base64.b64encode(b"anyone:s3cret").decode()
    assert client.get("/api/config", headers={"Authorization": f"Basic {basic}"}).status_code \
        == 200
    wrong = base64.b64encode(b"anyone:guess").decode()
    assert client.get("/api/config", headers={"Authorization": f"Basic {wrong}"}).status_code \
        == 401
    assert client.get("/api/config", headers={"X-API-Key": "k" * 20}).status_code == 200


def test_binding_beyond_loopback_needs_a_password(myna, tmp_path):
    src = tmp_path / "t.jsonl"
    src.write_text(json.dumps({"text": "hello"}) + "\n")
    r = myna("annotate", "textcat.manual", "d", src, "--label", "A,B", "--host", "0.0.0.0")
    assert r.code == 1 and "without --password or API keys" in r.err


def test_page_is_static_and_forbids_inline_script():
    client, _ = client_for(textcat_manual(["A", "B"], True))
    page = client.get("/")
    assert page.status_code == 200 and "script>alert" not in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert client.get("/static/app.js").status_code == 200
    task = client.get("/api/next").json()["task"]
    assert task["text"].startswith("Apple")  # texts travel as JSON data, never as markup


@pytest.mark.slow  # loads the MiniLM encoder (~4 s)
def test_textcat_correct_starts_from_a_zero_shot_guess():
    from myna.annotate.recipes.textcat import textcat_correct

    texts = ["The striker scored twice and the team won the cup final.",
             "The central bank raised interest rates as inflation rose."]
    client, store = client_for(textcat_correct("zero-shot:Sports,Business", [], True), texts,
                               dataset="zero-shot-guesses")
    guesses = {}
    task = client.get("/api/next", params={"session": "s"}).json()["task"]
    while task:  # an answer's reply brings the next task
        guesses[task["text"]] = task["accept"]
        assert task["meta"]["model"].split()[0] == task["accept"][0]
        reply = client.post("/api/answer", json={"session": "s", "id": task["id"],
                                                 "answer": "accept", "accept": task["accept"]})
        assert reply.status_code == 200
        task = reply.json()["task"]
    assert guesses == {texts[0]: ["Sports"], texts[1]: ["Business"]}
    assert len(store.answers(store.dataset("zero-shot-guesses"))) == 2
