"""An answer is committed before the browser hears back: SIGKILL the server while a client is
answering, restart it, and every acknowledged answer is there, stored once."""

import json
import signal
import threading

import httpx
from annotate_process import annotation_server

from myna.annotate.database import open_store


def test_acknowledged_answers_survive_sigkill(tmp_path):
    src = tmp_path / "texts.jsonl"
    src.write_text("".join(json.dumps({"text": f"Text number {i}."}) + "\n"
                           for i in range(400)))
    args = ["textcat.manual", "news", src, "--label", "A,B", "--exclusive"]
    acked: list[int] = []
    stop = threading.Event()

    with annotation_server(args, tmp_path / "server.log") as (url, proc):
        def annotate():
            with httpx.Client(base_url=url, timeout=10) as client:
                client.headers["X-CSRF-Token"] = client.get("/api/config").json()["csrf_token"]
                task = client.get("/api/next", params={"session": "ann"}).json()["task"]
                while task and not stop.is_set():
                    try:
                        reply = client.post("/api/answer", json={
                            "session": "ann", "id": task["id"], "answer": "accept",
                            "accept": ["A" if task["id"] % 2 else "B"]})
                    except httpx.HTTPError:
                        return  # the server died mid-request: not acknowledged
                    acked.append(task["id"])
                    task = reply.json()["task"]

        worker = threading.Thread(target=annotate)
        worker.start()
        while len(acked) < 30 and worker.is_alive():
            threading.Event().wait(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        stop.set()
        worker.join(timeout=30)
    assert len(acked) >= 30

    store = open_store()
    ds = store.dataset("news")
    stored = {a.example_id: a.cats for a in store.answers(ds)}
    for example_id in acked:
        assert stored[example_id] == {"A": float(example_id % 2 == 1),
                                      "B": float(example_id % 2 == 0)}

    # After a restart the session goes on where it was; a retried answer is stored once.
    with annotation_server(args, tmp_path / "server.log") as (url, _), \
            httpx.Client(base_url=url, timeout=10) as client:
        client.headers["X-CSRF-Token"] = client.get("/api/config").json()["csrf_token"]
        task = client.get("/api/next", params={"session": "ann", "resume": 1}).json()["task"]
        assert task["id"] not in acked
        for _ in range(2):
            client.post("/api/answer", json={"session": "ann", "id": task["id"],
                                             "answer": "accept", "accept": ["A"]})
    answers = store.answers(ds)
    assert len(answers) == len({a.task_hash for a in answers})
    assert sum(a.example_id == task["id"] for a in answers) == 1
