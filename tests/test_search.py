"""Vector indexes with real MiniLM embeddings on a small corpus written here: build, search
with filters, add/delete/compact, a crash in the middle of an update, the encoder check, and
bad queries on the CLI and over REST."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from myna.search.store import IndexStore

CORPUS = [("a", "Stocks fell sharply on Wall Street as banks lost ground.", "Business"),
          ("b", "The striker scored twice and the team won the cup final.", "Sports"),
          ("c", "Oil prices rose after the OPEC meeting in Vienna.", "Business"),
          ("d", "The goalkeeper saved a penalty in extra time.", "Sports"),
          ("e", "A new chip makes phones faster and cheaper.", "Sci_Tech")]
MORE = [("f", "The tennis champion lost in the first round.", "Sports"),
        ("g", "The central bank raised interest rates again.", "Business")]


def write(path: Path, rows) -> Path:
    lines = ["id,text,category", *(f'{i},"{t}",{c}' for i, t, c in rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def index(tmp_path, myna) -> Path:
    out = tmp_path / "idx"
    r = myna("index", "build", write(tmp_path / "corpus.csv", CORPUS), "--id-column", "id",
             "--meta-columns", "category", "--out", out)
    assert r.code == 0, r.err
    return out


def hits(myna, *args) -> list[dict]:
    r = myna("search", *map(str, args), "--json")
    assert r.code == 0, r.err
    return [json.loads(line) for line in r.out.splitlines()]


def test_build_and_search_with_filters(index, myna):
    found = hits(myna, index, "football match result", "-k", "2")
    assert [h["id"] for h in found] == ["b", "d"]
    assert found[0]["score"] >= found[1]["score"]
    assert found[0]["meta"] == {"category": "Sports"}
    business = hits(myna, index, "football match result", "-k", "2", "--filter",
                    "category=Business")
    assert {h["id"] for h in business} == {"a", "c"}  # filtered during the search, 2 found
    like = hits(myna, index, "--like-id", "b", "-k", "1")
    assert [h["id"] for h in like] == ["d"]  # the entry itself is left out
    info = IndexStore.open(index).manifest()
    assert (info["count"], info["dim"], info["metric"]) == (5, 384, "cosine")
    assert info["encoder"]["checksum"]


def test_add_delete_compact_keep_ids_and_counts(index, myna, tmp_path):
    r = myna("index", "add", index, write(tmp_path / "more.csv", MORE), "--id-column", "id")
    assert r.code == 0, r.err
    assert IndexStore.open(index).count == 7
    assert hits(myna, index, "tennis player", "-k", "1")[0]["id"] == "f"
    again = myna("index", "add", index, write(tmp_path / "dup.csv", MORE[:1]), "--id-column",
                 "id")
    assert again.code == 1 and "already in the index: f" in again.err
    r = myna("index", "delete", index, "b", "f", "zz")
    assert r.code == 0 and "deleted 2 (1 id(s) not found)" in r.err
    for query in ("tennis player", "football match result"):
        assert {"b", "f"}.isdisjoint(h["id"] for h in hits(myna, index, query, "-k", "7"))
    r = myna("index", "compact", index)
    assert r.code == 0, r.err
    store = IndexStore.open(index)
    assert store.count == 5 and len(store.segments) == 1
    assert store.live_ids() == {"a", "c", "d", "e", "g"}
    assert len(list(index.glob("seg-*"))) == 2  # old segments' files removed
    r = myna("index", "add", index, write(tmp_path / "back.csv", [CORPUS[1]]), "--id-column",
             "id")
    assert r.code == 0, r.err  # a deleted id may be added again, as a new entry
    assert hits(myna, index, "football match result", "-k", "1")[0]["id"] == "b"


@pytest.mark.slow  # a second Python process loads the encoder
def test_a_crash_while_adding_leaves_the_previous_index(index, tmp_path):
    """SIGKILL after the new segment is written, just before the manifest is replaced."""
    more = write(tmp_path / "more.csv", MORE)
    script = f"""
import os, signal, sys
import myna.search.store as store
real = store.atomic_path
def dying(path):
    if str(path).endswith("manifest.json"):
        os.kill(os.getpid(), signal.SIGKILL)
    return real(path)
store.atomic_path = dying
sys.argv = ["myna", "index", "add", {str(index)!r}, {str(more)!r}, "--id-column", "id"]
from myna.cli.main import main
main()
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=300)
    assert done.returncode == -9
    store = IndexStore.open(index)
    assert store.count == 5 and store.live_ids() == {"a", "b", "c", "d", "e"}


def test_bad_queries_and_another_encoder_are_refused(index, myna, tmp_path):
    assert "empty" in myna("search", index, "  ").err
    assert "k must be between 1 and 1000" in myna("search", index, "x", "-k", "0").err
    assert "k must be between 1 and 1000" in myna("search", index, "x", "-k", "5000").err
    assert "ef_search must be between 1 and 4096" in myna("search", index, "x", "--ef-search",
                                                          "0").err
    r = myna("search", index, "x", "--filter", "colour=red")
    assert r.code == 1 and "unknown filter field 'colour'" in r.err
    assert "no entry with id 'zz'" in myna("search", index, "--like-id", "zz").err
    from hf_tiny import build

    from myna.models.index_backend import check_encoder

    other = build("encoder", tmp_path / "other-encoder")
    with pytest.raises(Exception, match="not the one that built this index"):
        check_encoder(IndexStore.open(index).encoder, str(other))


def test_rest_search_and_its_errors(index):
    from myna.serve.app import build_app
    from myna.serve.holder import ModelHolder, load_predictor
    from myna.serve.settings import ServeSettings

    with TestClient(build_app(ModelHolder(load_predictor(str(index))), ServeSettings())) as c:
        ok = c.post("/v1/search", json={"query": "football match result", "k": 1,
                                        "filters": ["category=Sports"]})
        empty = c.post("/v1/search", json={"query": ""})
        zero = c.post("/v1/search", json={"query": "x", "k": 0})
        unknown = c.post("/v1/search", json={"query": "x", "filters": ["colour=red"]})
    assert ok.status_code == 200, ok.text
    assert [h["id"] for h in ok.json()["results"][0]["hits"]] == ["b"]
    assert empty.status_code == 422
    assert zero.status_code == 422 and "'k'" in zero.json()["error"]
    assert unknown.status_code == 422 and "unknown filter field" in unknown.json()["error"]


def test_an_index_served_beside_a_model(index):
    """`myna serve MODEL --index INDEX`: the model's routes and /v1/search in one server."""
    from myna.serve.app import build_app
    from myna.serve.holder import ModelHolder, load_predictor
    from myna.serve.settings import ServeSettings

    model, beside = (ModelHolder(load_predictor(source))
                     for source in ("en_core_web_sm", str(index)))
    with TestClient(build_app(model, ServeSettings(), also=[beside])) as c:
        ner = c.post("/v1/ner", json={"text": "Apple hired Tim Cook in London."})
        found = c.post("/v1/search", json={"query": "football match result", "k": 1})
        ready = c.get("/ready").json()
        no_task = c.post("/v1/classify", json={"text": "x"})
    assert ner.status_code == 200 and ner.json()["model"] == "en_core_web_sm"
    assert found.status_code == 200, found.text
    assert found.json()["model"] == str(index)
    assert [h["id"] for h in found.json()["results"][0]["hits"]] == ["b"]
    assert "ner" in ready["tasks"] and "search" in ready["tasks"]
    assert no_task.status_code == 422 and "search" in no_task.json()["error"]


@pytest.mark.slow  # two indexes built
def test_approximate_engine_agrees_with_exact_and_filters_during_the_graph_search(
        myna, tmp_path, monkeypatch):
    import myna.search.ann as ann

    monkeypatch.setattr(ann, "EXACT_BELOW", 0)  # the graph path even for a tiny index
    corpus = write(tmp_path / "corpus.csv", CORPUS + MORE)
    exact, approx = tmp_path / "exact", tmp_path / "ann"
    for out, engine in ((exact, "exact"), (approx, "ann")):
        r = myna("index", "build", corpus, "--id-column", "id", "--meta-columns", "category",
                 "--engine", engine, "--out", out, "--ef-search", "32")
        assert r.code == 0, r.err
    assert "ann search, recall@10 1.000" in r.err
    store = IndexStore.open(approx)
    assert store.engine == "ann" and store.recall_at_10 == 1.0
    assert store.ef_search == 32  # the index's default breadth, kept in its manifest
    wide = hits(myna, approx, "football match result", "-k", "2", "--ef-search", "512")
    assert [h["id"] for h in wide] == ["b", "d"]
    assert all(s.ann is not None for s in store.segments)  # the graph was saved and loaded
    assert IndexStore.open(exact).engine == "exact"
    for query in ("football match result", "interest rates", "new phones"):
        a, e = hits(myna, approx, query, "-k", "1")[0], hits(myna, exact, query, "-k", "1")[0]
        assert a["id"] == e["id"] and a["score"] == pytest.approx(e["score"], abs=1e-5)
        sports = hits(myna, approx, query, "-k", "3", "--filter", "category=Sports")
        assert [h["meta"]["category"] for h in sports] == ["Sports"] * 3
    assert myna("index", "delete", approx, "b").code == 0
    assert "b" not in {h["id"] for h in hits(myna, approx, "football match result", "-k", "7")}


def test_batch_search_of_a_file_of_queries(index, myna, tmp_path):
    import pyarrow.parquet as pq

    queries = tmp_path / "queries.csv"
    queries.write_text("query\nfootball match result\nstock market\n \n")
    out = tmp_path / "hits.parquet"
    r = myna("batch", "run", "-i", queries, "--task", "search", "--model", index, "-o", out,
             "--param", "k=2", "--param", "filters=category=Business")
    assert r.code == 0, r.err
    rows = pq.read_table(out).to_pylist()
    assert [r["query"] for r in rows] == ["football match result", "stock market", " "]
    for row in rows[:2]:
        assert row["error"] is None
        assert [dict(h["meta"]) for h in row["hits"]] == [{"category": "Business"}] * 2
    assert rows[1]["hits"][0]["id"] == "a"
    assert rows[2]["hits"] is None and "empty" in rows[2]["error"]


@pytest.mark.slow  # two 10,000-entry graphs
def test_the_build_widens_the_graph_search_until_recall_is_reached(tmp_path, monkeypatch):
    """Random vectors (a hard case for graphs) with a breadth of 1 to start from: the build
    doubles it until recall@10 on its own entries reaches the target (0.95 by default; 0.99
    here), unless --ef-search pinned it."""
    import numpy as np

    import myna.search.ann as ann
    from myna.search.exact import MOST_EF, search, settle_breadth

    monkeypatch.setattr(ann, "EF_SEARCH", 1)
    vectors = np.random.default_rng(0).normal(size=(10_000, 128)).astype(np.float32)
    ids = [str(i) for i in range(len(vectors))]
    stores = []
    for build in ({"engine": "ann"}, {"engine": "ann", "ef_search": 1}):
        store = IndexStore(tmp_path / str(len(stores)), {"ref": "none"}, 128, build=build)
        store.add(ids, ids, vectors)
        settle_breadth(store, target=0.99)
        stores.append(store)
    tuned, pinned = stores
    assert pinned.ef_search == 1 and pinned.recall_at_10 < 0.99
    assert tuned.ef_search > 1 and tuned.recall_at_10 > pinned.recall_at_10
    assert tuned.recall_at_10 >= 0.99 or tuned.ef_search == MOST_EF
    tuned.save()
    again = IndexStore.open(tuned.path)  # the breadth is the index's, kept in its manifest
    assert again.ef_search == tuned.ef_search
    query = again.segments[0].vectors[:1]
    assert search(again, query, 1)[0][0].id == "0"
