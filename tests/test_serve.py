"""`myna serve`: routes, MLflow's scoring protocol (checked against MLflow's own server), bad
input, keys, micro-batching, zero-downtime alias follow, and schemathesis on the OpenAPI spec."""

import asyncio
import time

import httpx
import pytest
import schemathesis
from conftest import serving
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from kb_fixtures import companies_kb
from schemathesis.specs.openapi.checks import positive_data_acceptance

from myna.serve.app import build_app
from myna.serve.holder import ModelHolder, load_predictor
from myna.serve.settings import ServeSettings

BOOK_REQUEST = ["Wall St. Bears Claw Back Into the Black (Reuters)",
                "Carlyle Looks Toward Commercial Aerospace (Reuters)",
                "Oil and Economy Cloud Stocks' Outlook (Reuters)",
                "Iraq Halts Oil Exports from Main Southern Pipeline (Reuters)",
                "Oil prices soar to all-time record, posing new menace to US economy (AFP)",
                "Stocks End Up, But Near Year Lows (Reuters)",
                "Money Funds Fell in Latest Week (AP)",
                "Fed minutes show dissent over inflation (USATODAY.com)",
                "Safety Net (Forbes.com)",
                "Wall St. Bears Claw Back Into the Black"]


@pytest.fixture(scope="module")
def kb_file(tmp_path_factory):
    return companies_kb(tmp_path_factory.mktemp("kb"))


@pytest.fixture(scope="module")
def ner_loaded(kb_file):
    return load_predictor("en_core_web_sm", kb_file)


@pytest.fixture(scope="module")
def textcat_loaded(textcat_pipeline):
    return load_predictor(str(textcat_pipeline))


def client(loaded, **settings) -> TestClient:
    return TestClient(build_app(ModelHolder(loaded), ServeSettings(**settings)))


def test_v1_routes(ner_loaded, textcat_loaded):
    with client(ner_loaded) as c:
        r = c.post("/v1/ner", json={"text": "Apple hired Tim Cook in California."})
        assert r.status_code == 200
        ents = r.json()["results"][0]["entities"]
        assert [(e["text"], e["label"], e["start_char"]) for e in ents] == [
            ("Apple", "ORG", 0), ("Tim Cook", "PERSON", 12), ("California", "GPE", 24)]
        r = c.post("/v1/ner", json={"texts": ["IBM rose.", "Nothing to see."]})
        assert [len(x["entities"]) for x in r.json()["results"]] == [1, 0]
        r = c.post("/v1/analyze", json={"text": "Apple hired Tim Cook."})
        assert r.json()["results"][0]["tokens"][1]["lemma"] == "hire"
        r = c.post("/v1/link", json={"text": "Apple shares rose after the iPhone launch."})
        assert r.json()["results"][0]["entities"][0]["kb_id"] == "AAPL"
        ready = c.get("/ready").json()
        assert ready["tasks"] == ["ner", "link", "analyze"] and "PERSON" in ready["labels"]["ner"]
    with client(textcat_loaded) as c:
        r = c.post("/v1/classify", json={"texts": ["Shares fell as the bank raised rates.",
                                                   "The striker scored twice."]})
        assert [x["label"] for x in r.json()["results"]] == ["Business", "Sports"]
        assert c.post("/v1/ner", json={"text": "x"}).status_code == 422


def test_invocations_answer_like_mlflow_models_serve(textcat_pipeline):
    """The same requests to MLflow's own scoring server and to Myna's give the same JSON."""
    import mlflow
    from mlflow.pyfunc import scoring_server

    from myna.core.tracking import setup_mlflow
    from myna.registry import client as models

    models.register(str(textcat_pipeline), "topics")
    setup_mlflow()
    mlflow_app = scoring_server.init(mlflow.pyfunc.load_model("models:/topics/1"))
    requests = [{"inputs": BOOK_REQUEST},
                {"instances": BOOK_REQUEST[:3]},
                {"dataframe_split": {"columns": ["text"], "data": [[t] for t in BOOK_REQUEST]}},
                {"dataframe_records": [{"text": t} for t in BOOK_REQUEST[:2]]}]
    with TestClient(mlflow_app) as theirs, client(load_predictor("models:/topics/1")) as ours:
        for body in requests:
            expected = theirs.post("/invocations", json=body)
            got = ours.post("/invocations", json=body)
            assert expected.status_code == got.status_code == 200, (body, expected.text)
            assert got.json() == expected.json()
        predictions = got.json()["predictions"]
        assert set(predictions[0]["predictions"]) == {"Business", "Sports"}
        first = ours.post("/invocations", json=requests[0]).json()["predictions"]
        assert len(first) == 10 and all(sum(p["predictions"].values()) == pytest.approx(1)
                                        for p in first)


BAD_BODIES = [
    (b"{", 400, "malformed JSON"),
    (b'{"texts": []}', 422, "texts"),
    (b'{"text": ""}', 422, "text"),
    (b'{"text": 5}', 422, "string"),
    (b'{"text": "a", "texts": ["b"]}', 422, "exactly one"),
    (b"{}", 422, "exactly one"),
    (b'{"text": "\xff\xfe broken"}', 400, "malformed JSON"),
    (b'["just", "a", "list"]', 422, "body"),
]


@pytest.mark.parametrize("body,status,message", BAD_BODIES)
def test_bad_input_gets_a_json_4xx_and_the_server_keeps_serving(ner_loaded, body, status,
                                                                 message):
    with client(ner_loaded, max_text_chars=1000) as c:
        r = c.post("/v1/ner", content=body, headers={"content-type": "application/json"})
        assert r.status_code == status and message in r.json()["error"], r.text
        assert c.post("/v1/ner", json={"text": "IBM rose."}).status_code == 200


def test_limits_unknown_routes_and_timeouts(ner_loaded):
    with client(ner_loaded, max_text_chars=1000) as c:
        r = c.post("/v1/ner", content=b'{"text": "' + b"a" * 11_000_000 + b'"}',
                   headers={"content-type": "application/json"})
        assert r.status_code == 413 and "limit of 1,048,576 bytes" in r.json()["error"]
        r = c.post("/v1/ner", json={"texts": ["fine", "x" * 1001]})
        assert r.status_code == 413 and "texts[1] has 1,001 characters" in r.json()["error"]
        assert c.get("/v2/nothing").json() == {"error": "Not Found"}
        assert c.post("/invocations", json={"inputs": ["a"], "instances": ["b"]}).status_code \
            == 400
        assert c.post("/invocations", json={"inputs": [3]}).status_code == 422
        assert c.post("/invocations", json={"inputs": ["a"], "params": {"task": "fly"}}
                      ).status_code == 422
    with client(ner_loaded, timeout_s=1e-6) as c:
        r = c.post("/v1/ner", json={"text": "IBM rose."})
        assert r.status_code == 504 and "took over" in r.json()["error"]


def test_api_keys(ner_loaded, myna):
    key = "k" * 32
    with client(ner_loaded, api_keys=[key]) as c:
        body = {"text": "IBM rose."}
        assert c.post("/v1/ner", json=body).status_code == 401
        assert c.post("/v1/ner", json=body, headers={"X-API-Key": "k" * 31 + "x"}
                      ).status_code == 401
        assert c.post("/v1/ner", json=body, headers={"X-API-Key": key}).status_code == 200
        assert c.post("/invocations", json={"inputs": ["IBM"]},
                      headers={"Authorization": f"Bearer {key}"}).status_code == 200
        assert c.get("/health").status_code == 200  # probes need no key
    r = myna("serve", "en_core_web_sm", "--host", "0.0.0.0")
    assert r.code == 1 and "refusing to serve on 0.0.0.0 without API keys" in r.err


def test_concurrent_requests_share_model_calls(ner_loaded):
    app = build_app(ModelHolder(ner_loaded), ServeSettings(max_wait_ms=20))

    async def burst(url: str) -> list[int]:
        async with httpx.AsyncClient(base_url=url) as http:
            replies = await asyncio.gather(*(http.post("/v1/ner", json={"text": f"IBM rose {i}."})
                                             for i in range(16)))
            return [r.status_code for r in replies]

    with serving(app) as url:
        assert asyncio.run(burst(url)) == [200] * 16
        metrics = httpx.get(f"{url}/metrics").text
    calls = float(next(line.split()[-1] for line in metrics.splitlines()
                       if line.startswith("myna_batch_texts_count")))
    texts = float(next(line.split()[-1] for line in metrics.splitlines()
                       if line.startswith("myna_batch_texts_sum")))
    assert texts == 16 and calls < 16  # some model calls served several requests
    assert 'myna_requests_total{route="/v1/ner",status="200"} 16.0' in metrics


@pytest.mark.slow  # registers two versions and serves through a swap (~4 s)
def test_follow_alias_swaps_versions_without_failing_requests(textcat_pipeline):
    from myna.registry import client as models

    models.register(str(textcat_pipeline), "news")
    models.set_alias("news", 1, "production")
    holder = ModelHolder(load_predictor("models:/news@production"))
    holder.follow_alias(interval_s=0.2)
    with serving(build_app(holder, ServeSettings())) as url, httpx.Client(base_url=url) as http:
        assert http.get("/ready").json()["version"] == "1"
        models.register("en_core_web_sm", "news")
        models.set_alias("news", 2, "production")
        statuses, deadline = [], time.monotonic() + 60
        while http.get("/ready").json()["version"] != "2" and time.monotonic() < deadline:
            statuses.append(http.post("/v1/analyze", json={"text": "IBM rose."}).status_code)
        assert http.get("/ready").json()["tasks"] == ["ner", "analyze"]
        assert http.post("/v1/ner", json={"text": "IBM rose."}).status_code == 200
    assert statuses and set(statuses) == {200} and holder.swaps == 1


@pytest.fixture(scope="module")
def served_url(ner_loaded):
    with serving(build_app(ModelHolder(ner_loaded), ServeSettings(max_text_chars=5000))) as url:
        yield url


@pytest.fixture(scope="module")
def api_schema(served_url):
    return schemathesis.openapi.from_url(f"{served_url}/openapi.json")


openapi = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow  # 25 generated cases per operation (~8 s)
@openapi.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_openapi_contract(case, served_url):
    """No 5xx, and every response matches the spec. Valid-by-schema bodies may still be
    refused (a model without textcat, `text` and `texts` together), so that check is off."""
    case.call_and_validate(base_url=served_url, excluded_checks=[positive_data_acceptance])
