"""`myna serve` under hostile or careless clients: bounded work per request and in the queue,
abandoned work for callers that timed out, fair turns between a long and a short request,
keys before bodies, hosts and origins, and HTTP-level limits of the server itself."""

import asyncio
import json
import socket
import time

import httpx
import pytest
from conftest import serving
from fastapi.testclient import TestClient

from myna.serve.app import build_app
from myna.serve.holder import ModelHolder, load_predictor
from myna.serve.settings import ServeSettings

SENTENCE = "Apple hired Tim Cook in California after IBM and Google made offers to him. "


@pytest.fixture(scope="module")
def two_copies():
    return load_predictor("en_core_web_sm", replicas=2)


def client(loaded, **settings) -> TestClient:
    return TestClient(build_app(ModelHolder(loaded), ServeSettings(**settings)))


def metric(text: str, name: str) -> float:
    return sum(float(line.split()[-1]) for line in text.splitlines()
               if line.startswith(name) and not line.startswith("#"))


def test_each_request_is_bounded_in_texts_characters_and_tokens(two_copies):
    with client(two_copies, max_texts=3, max_request_chars=100, max_request_tokens=10) as c:
        r = c.post("/v1/ner", json={"texts": ["a", "b", "c", "d"]})
        assert r.status_code == 413 and "4 texts, over the limit of 3" in r.json()["error"]
        r = c.post("/v1/ner", json={"texts": ["x" * 60, "y" * 60]})
        assert r.status_code == 413 and "120 characters in all" in r.json()["error"]
        r = c.post("/invocations", json={"inputs": ["a", "b", "c", "d"]})
        assert r.status_code == 413
        r = c.post("/v1/analyze", json={"text": "one two three four five six seven eight nine "
                                                 "ten eleven"})
        assert r.status_code == 413 and "over 10 tokens" in r.json()["error"]
        assert c.post("/v1/analyze", json={"text": "IBM rose."}).status_code == 200
        assert c.post("/v1/ner", json={"texts": ["a", "b", "c"]}).status_code == 200


def test_a_text_the_model_cannot_run_is_an_error_not_an_empty_answer(tmp_path):
    loaded = load_predictor("en_core_web_sm")
    loaded.predictor.nlp.max_length = 50  # the model's own limit, below the server's
    with client(loaded, max_text_chars=1000) as c:
        r = c.post("/v1/ner", json={"text": SENTENCE})
        assert r.status_code == 422 and "over the limit of 50" in r.json()["error"]


def test_serve_refuses_a_text_limit_above_the_models(myna):
    r = myna("serve", "en_core_web_sm", "--max-text-chars", "2000000", "--workers", "1")
    assert r.code == 1 and "over the model's own limit of 1,000,000" in r.err
    r = myna("serve", "en_core_web_sm", "--max-texts", "0")
    assert r.code == 1 and "--max-texts must be at least 1" in r.err


def test_model_calls_stay_within_the_character_limit_when_requests_merge(two_copies):
    app = build_app(ModelHolder(two_copies), ServeSettings(max_batch_chars=100, max_wait_ms=20,
                                                        reserve_chars=0))

    async def burst(url: str) -> list[int]:
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            texts = [[f"IBM shares rose {i} points in trading."] * 3 for i in range(12)]
            replies = await asyncio.gather(*(http.post("/v1/ner", json={"texts": t})
                                             for t in texts))
            return [r.status_code for r in replies]

    with serving(app) as url:
        assert asyncio.run(burst(url)) == [200] * 12
        metrics = httpx.get(f"{url}/metrics").text
    calls = metric(metrics, "myna_batch_texts_count")
    at_most_two = metric(metrics, 'myna_batch_texts_bucket{le="2.0"}')
    assert metric(metrics, "myna_batch_texts_sum") == 36
    assert calls == at_most_two  # 36-37 characters: never three in 100


def _long_request(n: int = 400) -> dict:
    return {"texts": [SENTENCE * 5 + str(i) for i in range(n)]}  # ~380 characters each


def test_a_short_request_does_not_wait_for_a_long_one(two_copies):
    app = build_app(ModelHolder(two_copies), ServeSettings(max_batch=4, max_wait_ms=0))

    async def race(url: str) -> list[str]:
        finished: list[str] = []
        async with httpx.AsyncClient(base_url=url, timeout=120) as http:
            async def long():
                r = await http.post("/v1/ner", json=_long_request())
                assert r.status_code == 200 and len(r.json()["results"]) == 400
                finished.append("long")

            async def short():
                while metric((await http.get("/metrics")).text, "myna_batch_texts_count") < 2:
                    await asyncio.sleep(0.01)  # the long request is running
                r = await http.post("/v1/ner", json={"text": "IBM rose."})
                assert r.status_code == 200
                finished.append("short")

            await asyncio.gather(long(), short())
        return finished

    with serving(app) as url:
        assert asyncio.run(race(url)) == ["short", "long"]


def test_one_worker_stays_free_for_short_requests_when_long_ones_pile_up(two_copies):
    app = build_app(ModelHolder(two_copies), ServeSettings(max_wait_ms=0))
    long_text = SENTENCE * 800  # 60,000 characters: one long model call

    async def race(url: str) -> list[str]:
        finished: list[str] = []
        async with httpx.AsyncClient(base_url=url, timeout=120) as http:
            async def long(name: str):
                r = await http.post("/v1/ner", json={"text": long_text})
                assert r.status_code == 200
                finished.append(name)

            async def short():
                while metric((await http.get("/metrics")).text, "myna_batch_texts_count") < 1:
                    await asyncio.sleep(0.01)
                r = await http.post("/v1/ner", json={"text": "IBM rose."})
                assert r.status_code == 200
                finished.append("short")

            await asyncio.gather(long("long 1"), long("long 2"), short())
        return finished

    with serving(app) as url:
        assert asyncio.run(race(url))[0] == "short"


def test_work_for_a_caller_who_timed_out_is_dropped(two_copies):
    app = build_app(ModelHolder(two_copies), ServeSettings(max_batch=4, timeout_s=0.3))
    with serving(app) as url, httpx.Client(base_url=url, timeout=60) as http:
        r = http.post("/v1/ner", json=_long_request())
        assert r.status_code == 504 and "dropped" in r.json()["error"]
        ran, deadline = -1.0, time.monotonic() + 30
        while time.monotonic() < deadline:  # until no more model calls start
            time.sleep(0.5)
            now = metric(http.get("/metrics").text, "myna_batch_texts_sum")
            if now == ran:
                break
            ran = now
        assert 0 < ran < 400
        assert http.post("/v1/ner", json={"text": "IBM rose."}).status_code == 200


def test_a_full_queue_answers_503_with_retry_after(two_copies):
    settings = ServeSettings(max_batch=1, max_request_chars=100_000, max_queue_chars=100_000)
    app = build_app(ModelHolder(two_copies), settings)

    async def flood(url: str) -> tuple[int, httpx.Response]:
        async with httpx.AsyncClient(base_url=url, timeout=120) as http:
            first = asyncio.create_task(
                http.post("/v1/ner", json={"texts": [SENTENCE * 13] * 100}))
            while metric((await http.get("/metrics")).text, "myna_queued_chars") == 0:
                await asyncio.sleep(0.01)
            second = await http.post("/v1/ner", json={"texts": [SENTENCE * 13] * 5})
            return (await first).status_code, second

    with serving(app) as url:
        first, second = asyncio.run(flood(url))
        assert first == 200
        assert second.status_code == 503 and "busy" in second.json()["error"]
        assert int(second.headers["retry-after"]) >= 1
        assert metric(httpx.get(f"{url}/metrics").text, "myna_rejected_total") == 1


def test_a_body_of_half_a_million_wrong_values_gets_a_short_answer(two_copies):
    body = json.dumps({"texts": list(range(500_000))}).encode()
    with client(two_copies, max_body_bytes=4_000_000) as c:
        r = c.post("/v1/ner", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 422 and len(r.content) < 2000
        assert "item 0 is a int" in r.json()["error"]
        r = c.post("/invocations", json={"dataframe_split": {"data": list(range(100_000))}})
        assert r.status_code == 422 and len(r.content) < 2000
        r = c.post("/invocations", json={"dataframe_records": list(range(100_000))})
        assert r.status_code == 422 and len(r.content) < 2000


def test_invocations_columns_must_match_the_rows(two_copies):
    with client(two_copies) as c:
        r = c.post("/invocations", json={"dataframe_split": {"columns": ["x", "text"],
                                                             "data": [["Apple"]]}})
        assert r.status_code == 422 and "2 columns named but rows have 1" in r.json()["error"]
        r = c.post("/invocations", json={"dataframe_split": {"columns": ["text", "text"],
                                                             "data": [["a", "b"]]}})
        assert r.status_code == 422 and "'text' named more than once" in r.json()["error"]
        r = c.post("/invocations", json={"dataframe_split": {"columns": ["x", "text"],
                                                             "data": [["1", "IBM rose."]]}})
        assert r.status_code == 200


def test_with_keys_only_health_is_open_and_keys_come_before_bodies(two_copies):
    key = "k" * 32
    with client(two_copies, api_keys=[key], docs=True) as c:
        assert c.get("/health").status_code == 200
        for path in ("/ready", "/metrics", "/openapi.json", "/docs"):
            assert c.get(path).status_code == 401, path
            assert c.get(path, headers={"X-API-Key": key}).status_code == 200, path
        r = c.post("/v1/ner", content=b"{not json", headers={"content-type": "application/json"})
        assert r.status_code == 401
    with client(two_copies) as c:
        assert c.get("/docs").status_code == 404  # Swagger UI loads from a CDN: off by default
        assert c.get("/openapi.json").status_code == 200


def test_hosts_and_origins(two_copies):
    settings = ServeSettings(allowed_hosts=["localhost", "127.0.0.1", "::1"])
    with TestClient(build_app(ModelHolder(two_copies), settings),
                    base_url="http://127.0.0.1:8000") as c:
        assert c.post("/v1/ner", json={"text": "IBM rose."}).status_code == 200
        r = c.get("/ready", headers={"host": "attacker.example:8000"})  # DNS rebinding
        assert r.status_code == 421 and "does not answer to host" in r.json()["error"]
        r = c.post("/v1/ner", json={"text": "IBM rose."},
                   headers={"origin": "http://attacker.example"})
        assert r.status_code == 403
        r = c.post("/v1/ner", json={"text": "IBM rose."},
                   headers={"origin": "http://127.0.0.1:8000"})
        assert r.status_code == 200


def _raw(url: str, data: bytes, pause_after: float = 0.0) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as sock:
        if data:
            sock.sendall(data)
        if pause_after:
            time.sleep(pause_after)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


@pytest.mark.slow  # starts `myna serve` processes
def test_http_limits_of_the_server_itself(two_copies):
    settings = ServeSettings(max_body_bytes=1000, body_timeout_s=0.5)
    app = build_app(ModelHolder(two_copies), settings)
    with serving(app, max_header_bytes=4096, header_timeout_s=0.5) as url:
        chunked = (b"POST /v1/ner HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   b"Transfer-Encoding: chunked\r\n\r\n"
                   + b"".join(b"%x\r\n%s\r\n" % (500, b"a" * 500) for _ in range(4))
                   + b"0\r\n\r\n")
        reply = _raw(url, chunked)
        assert reply.startswith(b"HTTP/1.1 413") and b"limit of 1,000 bytes" in reply
        reply = _raw(url, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 10_000
                     + b"\r\n\r\n")
        assert reply.startswith(b"HTTP/1.1 431") and b'"error"' in reply
        assert _raw(url, b"").startswith(b"HTTP/1.1 408")  # connects and sends nothing
        reply = _raw(url, b"GET /health HTTP/1.1\r\nHost: x\r\n")  # half the headers
        assert reply.startswith(b"HTTP/1.1 408")
        reply = _raw(url, b"POST /v1/ner HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
                          b"Content-Type: application/json\r\n\r\n{\"text\":")
        assert reply.startswith(b"HTTP/1.1 408") and b"did not arrive" in reply
        reply = _raw(url, b"NOT HTTP AT ALL\r\n\r\n")
        assert reply.startswith(b"HTTP/1.1 400") and b'"error"' in reply
        assert httpx.get(f"{url}/health").status_code == 200


@pytest.mark.slow  # starts worker processes
def test_model_copies_in_worker_processes(two_copies):
    """`myna serve` runs each copy in a process: same answers as in this process; a copy whose
    process dies fails only the call it ran and comes back; a swapped-out version's processes
    end once idle, and the rest end with the server."""
    import os
    import signal

    import psutil

    from myna.serve.holder import load_in_processes

    body = {"texts": ["Apple hired Tim Cook in California.", "IBM rose."]}
    with client(two_copies) as here:
        expected = here.post("/v1/ner", json=body).json()["results"]
    holder = ModelHolder(load_in_processes("en_core_web_sm", replicas=1))
    (first,) = holder.current.replicas
    with TestClient(build_app(holder, ServeSettings())) as c:
        assert c.post("/v1/ner", json=body).json()["results"] == expected
        os.kill(first.pid, signal.SIGKILL)  # e.g. the kernel's OOM killer
        r = c.post("/v1/ner", json=body)
        assert r.status_code == 500 and "started again" in r.json()["error"]
        assert c.post("/v1/ner", json=body).json()["results"] == expected
        restarted = psutil.Process(first.pid)
        holder.swap(load_in_processes("en_core_web_sm", replicas=1))
        (unused,) = holder.current.replicas
        never_ran = psutil.Process(unused.pid)
        holder.swap(load_in_processes("en_core_web_sm", replicas=1))  # before any call
        (second,) = holder.current.replicas
        assert c.post("/v1/ner", json=body).status_code == 200  # on the new copy
        assert not psutil.wait_procs([restarted, never_ran], timeout=30)[1]  # old ones ended
        current = psutil.Process(second.pid)
    assert not psutil.wait_procs([current], timeout=30)[1]  # ended with the server
