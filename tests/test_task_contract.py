"""The task contract: every registered task gives the same answer for the same texts through
the Python API, REST (`/v1/<task>`), `/invocations`, `mlflow.pyfunc.load_model`, the local
batch engine and Spark. A toy task registered here, in the test and not in the package,
appears in every one of those surfaces (and in `myna serve`'s OpenAPI, the CLI and the app)
without any other file changing: the acceptance test of the task registry."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from kb_fixtures import companies_kb

from myna.tasks import Predictor, Task, get_task, register_task, task_names, unregister_task

TEXTS = ["Apple hired Tim Cook in California.", "IBM shares fell 3% on Monday in New York.",
         "The team won the match."]
# Tasks whose input is not one of TEXTS, and the parameters some tasks need or take
INPUTS: dict[str, list[Any]] = {
    "question-answering": [{"question": "Who did Apple hire?", "context": TEXTS[0]},
                           {"question": "What fell?", "context": TEXTS[1]},
                           {"question": "Who won?", "context": TEXTS[2]}],
    "sentence-similarity": [{"text": t, "text_pair": u}
                            for t, u in zip(TEXTS, [*TEXTS[1:], TEXTS[0]], strict=True)],
    "fill-mask": ["Apple hired [MASK] Cook.", "IBM [MASK] fell.", "The team won the [MASK]."],
    "search": [{"query": "technology company hires"}, {"query": "stock market"},
               {"query": "sports"}],
}
PARAMS: dict[str, dict[str, Any]] = {
    "zero-shot-classification": {"labels": ["Business", "Sports", "World"]},
    "text-generation": {"max_new_tokens": 4},
    "summarization": {"max_new_tokens": 4},
    "fill-mask": {"top_k": 2},
    "question-answering": {"top_k": 2},
    "search": {"k": 2},
}


def inputs_of(name: str) -> list[Any]:
    return INPUTS.get(name, TEXTS)


def body_of(name: str) -> dict[str, Any]:
    """A REST body: texts or records, and the parameters."""
    key = "texts" if get_task(name).takes_text else "inputs"
    return {key: inputs_of(name), **PARAMS.get(name, {})}


class Shout(Task):
    """The toy task: the text in capitals and its length."""

    name = "shout"
    summary = "The text in capitals and its length"
    output = pa.schema([("upper", pa.string()), ("length", pa.int64())])

    def forward(self, model: Any, inputs: list[str]) -> list[str]:
        return [text.upper() for text in inputs]

    def postprocess(self, model: Any, outputs: list[str]) -> list[dict[str, Any]]:
        return [{"upper": text, "length": len(text)} for text in outputs]


TASKS = [*task_names(), "shout"]  # the package's tasks (and any entry point's) plus the toy


@pytest.fixture(scope="module", autouse=True)
def toy_task():
    register_task(Shout)
    yield
    unregister_task("shout")


@pytest.fixture(scope="module")
def refs(tmp_path_factory) -> dict[str, tuple[str, str | None]]:
    """The model (and knowledge base) each task runs on: all real, all built here."""
    from myna.text.encoders import default_encoder_path

    root = tmp_path_factory.mktemp("contract")
    kb = companies_kb(root)
    spacy_model = ("en_core_web_sm", None)
    from hf_tiny import build

    encoder = (default_encoder_path(), None)
    return {"ner": spacy_model, "analyze": spacy_model, "shout": spacy_model,
            "link": ("en_core_web_sm", kb), "textcat": (_classifier(root / "textcat"), None),
            "embed": encoder, "zero-shot-classification": encoder,
            "sentence-similarity": encoder,
            "question-answering": (str(build("qa", root / "qa")), None),
            "text-generation": (str(build("gpt2", root / "gpt2")), None),
            "summarization": (str(build("bart", root / "bart")), None),
            "fill-mask": (str(build("masked", root / "masked")), None),
            "search": (_index(root / "index"), None)}


def _index(path: Path) -> str:
    """A small index of TEXTS (MiniLM), built with the library the CLI uses."""
    from myna.models.index_backend import load_encoder
    from myna.search.store import IndexStore

    encoder, entry = load_encoder(None)
    store = IndexStore(path, entry, 384, meta_columns=["n"])
    store.add([f"t{i}" for i in range(len(TEXTS))], TEXTS, encoder.encode(TEXTS),
              {"n": [str(i) for i in range(len(TEXTS))]})
    store.save()
    return str(path)


def _classifier(path: Path) -> str:
    """An initialised (untrained) two-label classifier: its scores are fixed by its weights."""
    import spacy
    from spacy.training import Example

    nlp = spacy.blank("en")
    nlp.add_pipe("textcat")
    examples = [Example.from_dict(nlp.make_doc(t), {"cats": c}) for t, c in [
        ("shares fell", {"Business": 1.0, "Sports": 0.0}),
        ("the team won", {"Business": 0.0, "Sports": 1.0})]]
    nlp.initialize(lambda: examples)
    nlp.to_disk(path)
    return str(path)


@pytest.fixture(scope="module")
def expected(refs) -> dict[str, list[dict[str, Any]]]:
    """What the Python API answers: `myna.load` and a `Predictor`."""
    import myna

    return {name: Predictor(myna.load(*refs[name])).predict(inputs_of(name), name,
                                                            params=PARAMS.get(name))
            for name in TASKS}


def _app(ref: str, kb: str | None):
    from myna.serve.app import build_app
    from myna.serve.holder import ModelHolder, load_predictor
    from myna.serve.settings import ServeSettings

    return build_app(ModelHolder(load_predictor(ref, kb)), ServeSettings())


def _table_rows(rows: list[dict[str, Any]], schema: pa.Schema) -> list[dict[str, Any]]:
    """Records as a batch table holds them (the task's table columns, Arrow types)."""
    return pa.Table.from_pylist(rows, schema=schema).to_pylist()


@pytest.mark.parametrize("name", TASKS)
def test_rest_and_invocations_answer_like_the_python_api(name, refs, expected):
    task = get_task(name)
    with TestClient(_app(*refs[name])) as client:
        rest = client.post(task.path, json=body_of(name))
        invocations = client.post("/invocations",
                                  json={"inputs": inputs_of(name),
                                        "params": {"task": name, **PARAMS.get(name, {})}})
    assert rest.status_code == 200, rest.text
    assert rest.json()["results"] == expected[name]
    assert invocations.status_code == 200, invocations.text
    assert invocations.json()["predictions"] == [task.pyfunc_record({**row, "error": None})
                                                 for row in expected[name]]


@pytest.mark.parametrize("name", TASKS)
def test_mlflow_pyfunc_answers_like_the_python_api(name, refs, expected, tmp_path):
    import mlflow

    from myna.registry.flavor import save_model

    ref, kb = refs[name]
    save_model(ref, tmp_path / "mlflow-model", kb=kb)
    given = inputs_of(name)
    frame = mlflow.pyfunc.load_model(str(tmp_path / "mlflow-model")).predict(
        given if get_task(name).takes_text else pd.DataFrame(given),
        params={"task": name, **PARAMS.get(name, {})})
    task = get_task(name)
    assert frame.to_dict("records") == [task.pyfunc_record({**row, "error": None})
                                        for row in expected[name]]


def _input_csv(path: Path, name: str = "ner") -> str:
    rows = [r if isinstance(r, dict) else {"text": r} for r in inputs_of(name)]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, ["id", *rows[0]])
        w.writeheader()
        w.writerows({"id": i, **r} for i, r in enumerate(rows))
    return str(path)


def _batch_rows(name: str, refs, tmp_path: Path) -> tuple[pa.Table, pa.Schema]:
    import myna
    from myna.batch.run import BatchRequest, run_batch

    ref, kb = refs[name]
    output = tmp_path / "out.parquet"
    summary = run_batch(BatchRequest(input=_input_csv(tmp_path / "in.csv", name),
                                     output=str(output), task=name, model=ref, kb=kb,
                                     n_process=1, params=PARAMS.get(name, {})))
    assert (summary.rows, summary.failed) == (len(TEXTS), 0)
    table = pq.read_table(output).sort_by("id")
    return table, get_task(name).table_schema(myna.load(ref, kb))


@pytest.mark.parametrize("name", TASKS)
def test_local_batch_answers_like_the_python_api(name, refs, expected, tmp_path):
    table, schema = _batch_rows(name, refs, tmp_path)
    fields = get_task(name).input.names
    assert table.column_names == ["id", *fields, *schema.names, "error"]
    assert table.select(schema.names).to_pylist() == _table_rows(expected[name], schema)
    assert table.column("error").to_pylist() == [None] * len(TEXTS)


@pytest.fixture(scope="module")
def spark():
    from myna.batch.spark_session import spark_session

    session = spark_session("local[1]", "myna-contract")
    yield session
    session.stop()


@pytest.mark.slow
@pytest.mark.parametrize("name", TASKS)
def test_spark_answers_like_the_python_api(name, refs, expected, spark, tmp_path):
    table, schema = _spark_rows(name, refs, spark, tmp_path)
    assert table.select(schema.names).to_pylist() == _close(_table_rows(expected[name], schema))
    assert table.column("error").to_pylist() == [None] * len(TEXTS)


def _close(value):
    """``value`` with its scores compared to a millionth: a Spark worker runs PyTorch with its
    own thread count, so a score's last bits can differ from this process's. The bound is also
    absolute: a cosine near 0 from float32 vectors carries ~1e-7 of rounding (seen: -0.0131837
    against -0.0131838), which no relative bound of 1e-6 allows."""
    if isinstance(value, float):
        return pytest.approx(value, rel=1e-6, abs=1e-6)
    if isinstance(value, dict):
        return {key: _close(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_close(item) for item in value]
    return value


def _spark_rows(name: str, refs, spark, tmp_path: Path) -> tuple[pa.Table, pa.Schema]:
    import myna
    from myna.batch.run import BatchRequest, run_batch

    ref, kb = refs[name]
    output = tmp_path / "out"
    summary = run_batch(BatchRequest(input=_input_csv(tmp_path / "in.csv", name),
                                     output=str(output), task=name, model=ref, kb=kb,
                                     engine="spark", master="local[1]",
                                     params=PARAMS.get(name, {})), spark=spark)
    assert (summary.rows, summary.failed) == (len(TEXTS), 0)
    table = pa.concat_tables([pq.read_table(f) for f in sorted(output.glob("*.parquet"))])
    table = table.sort_by("id")
    return table, get_task(name).table_schema(myna.load(ref, kb))


@pytest.mark.slow  # starts a worker process
def test_the_toy_task_runs_in_serve_worker_processes(refs, expected):
    """`myna serve` runs its model copies in worker processes, which never imported this
    test module: the toy task travels to them by value."""
    from myna.serve.app import build_app
    from myna.serve.holder import ModelHolder, load_in_processes
    from myna.serve.settings import ServeSettings

    holder = ModelHolder(load_in_processes("en_core_web_sm", replicas=1))
    try:
        with TestClient(build_app(holder, ServeSettings())) as client:
            reply = client.post("/v1/shout", json={"texts": TEXTS})
        assert reply.status_code == 200, reply.text
        assert reply.json()["results"] == expected["shout"]
    finally:
        for copy in holder.current.replicas:
            copy.close()


def test_the_toy_task_is_in_the_openapi_spec_and_the_cli(refs, myna, tmp_path):
    with TestClient(_app(*refs["shout"])) as client:
        spec = client.get("/openapi.json").json()
        ready = client.get("/ready").json()
    assert "/v1/shout" in spec["paths"]
    result = spec["components"]["schemas"]["ShoutResult"]
    assert result["properties"]["upper"]["type"] == "string"
    assert result["properties"]["length"]["type"] == "integer"
    assert "shout" in ready["tasks"]
    out = tmp_path / "shout.parquet"
    r = myna("batch", "run", "-i", _input_csv(tmp_path / "in.csv"), "-o", out, "--task", "shout")
    assert r.code == 0, r.err
    assert pq.read_table(out).column("upper").to_pylist() == [t.upper() for t in TEXTS]


@pytest.mark.slow
def test_the_toy_task_has_a_page_in_the_app(monkeypatch):
    from streamlit.testing.v1 import AppTest

    import myna.app
    from myna.app.settings import AppSettings

    for key, value in AppSettings(models=["en_core_web_sm"]).to_env().items():
        monkeypatch.setenv(key, value)
    script = str(Path(myna.app.__file__).parent / "main.py")
    at = AppTest.from_file(script, default_timeout=180).run()
    title = "The text in capitals and its length (shout)"
    assert title in at.sidebar.radio(key="page").options
    at.sidebar.radio(key="page").set_value(title).run()
    at.text_area(key="shout-text").input("quiet words").run()
    assert not at.exception, at.exception
    shown = [m.value for m in at.markdown] + [str(j.value) for j in at.json]
    assert any("QUIET WORDS" in str(v) for v in shown), shown
