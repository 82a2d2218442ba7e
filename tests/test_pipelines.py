"""Pretrained-pipeline tasks on tiny Hugging Face models built here (nothing downloads):
which tasks each architecture gets, offsets, windowing of long inputs, determinism, bad input
and the `myna predict` command. Zero-shot and similarity run on the bundled MiniLM."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from hf_tiny import build

import myna
from myna.core.errors import InputError, ModelNotFoundError
from myna.tasks import Predictor

LONG_CONTEXT = " ".join(["Markets fell as investors sold shares of banks."] * 40
                        + ["Natural language processing is a field of computer science."])


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    kinds = ("classifier", "nli", "token", "qa", "masked", "encoder", "gpt2", "bart")
    return {kind: str(build(kind, root / kind)) for kind in kinds}


@pytest.fixture(scope="module")
def minilm():
    return Predictor(myna.load(None, kind="sentence-transformers"))


def test_each_architecture_gets_its_tasks(tiny):
    tasks = {kind: Predictor(myna.load(ref)).tasks for kind, ref in tiny.items()}
    assert tasks == {"classifier": ["textcat"], "nli": ["textcat", "zero-shot-classification"],
                     "token": ["ner"], "qa": ["question-answering"], "masked": ["fill-mask"],
                     "encoder": ["embed", "sentence-similarity"],
                     "gpt2": ["text-generation"], "bart": ["summarization"]}


def test_hugging_face_task_names_are_aliases(tiny):
    p = Predictor(myna.load(tiny["classifier"]))
    by_alias = p.predict(["Shares fell."], "sentiment")
    assert by_alias == p.predict(["Shares fell."], "text-classification")
    assert by_alias == p.predict(["Shares fell."], "textcat")
    assert set(by_alias[0]["cats"]) == {"negative", "positive"}
    assert sum(by_alias[0]["cats"].values()) == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(InputError, match="cannot do 'question-answering'"):
        p.predict(["x"], "qa")


def test_question_answering_offsets_and_windows(tiny):
    p = Predictor(myna.load(tiny["qa"]))
    assert p.model.window == 64  # the context below is ~500 tokens: several windows
    row = p.predict([{"question": "What is NLP?", "context": LONG_CONTEXT}], "qa",
                    params={"top_k": 3})[0]
    assert 1 <= len(row["answers"]) <= 3
    scores = [a["score"] for a in row["answers"]]
    assert scores == sorted(scores, reverse=True)
    for answer in row["answers"]:
        assert LONG_CONTEXT[answer["start"]:answer["end"]] == answer["answer"]
    assert (row["answer"], row["start"]) == (row["answers"][0]["answer"],
                                             row["answers"][0]["start"])


def test_question_answering_bad_input(tiny):
    p = Predictor(myna.load(tiny["qa"]))
    rows = p.predict([{"question": "What?", "context": ""},
                      {"question": "word " * 80, "context": "A short context."},
                      {"question": "What?"},
                      {"question": "What is NLP?", "context": "NLP is a field."}],
                     "question-answering", errors="row")
    assert "'context' is empty" in rows[0]["error"]
    assert "leaves no room for the context" in rows[1]["error"]
    assert "no 'context'" in rows[2]["error"]
    assert rows[3]["error"] is None and rows[3]["answer"]
    with pytest.raises(InputError, match="no parameter 'topk'"):
        p.predict([{"question": "a", "context": "b"}], "qa", params={"topk": 2})


def test_token_classification_windows_and_snaps_to_spacy_tokens(tiny):
    import spacy

    p = Predictor(myna.load(tiny["token"]))
    text = "Apple hired Tim Cook in Cupertino. " * 30  # far over the 64-token window
    entities = p.predict([text], "token-classification")[0]["entities"]
    doc = spacy.blank("en")(text)
    starts = {t.idx for t in doc}
    ends = {t.idx + len(t.text) for t in doc}
    assert entities, "a random tiny model tags something in 200 words"
    assert max(e["end_char"] for e in entities) > len(text) // 2  # later windows ran
    for e in entities:
        assert text[e["start_char"]:e["end_char"]] == e["text"]
        assert e["start_char"] in starts and e["end_char"] in ends
        assert e["label"] in {"ORG", "PER", "LOC"}


def test_generation_is_repeatable_with_a_seed(tiny):
    p = Predictor(myna.load(tiny["gpt2"]))
    sampled = {"do_sample": True, "seed": 7, "max_new_tokens": 6, "temperature": 1.5}
    one = p.predict(["The quick brown"], "text-generation", params=sampled)[0]
    again = p.predict(["The quick brown", "Markets fell"], "generate", params=sampled)[0]
    assert one == again
    assert one["generated_text"] == "The quick brown" + one["new_text"]
    others = {p.predict(["The quick brown"], "generate",
                        params={**sampled, "seed": s})[0]["new_text"] for s in range(5)}
    assert len(others) > 1  # the seed matters
    greedy = p.predict(["The quick brown"], "generate", params={"max_new_tokens": 6})
    assert greedy == p.predict(["The quick brown"], "generate", params={"max_new_tokens": 6})
    long_prompt = "the lazy dog " * 100  # over the 64-token window: its last tokens are kept
    assert p.predict([long_prompt], "generate")[0]["generated_text"].startswith(long_prompt)


def test_summarization_truncates_long_texts(tiny):
    p = Predictor(myna.load(tiny["bart"]))
    rows = p.predict(["Markets fell.", "Markets fell as investors sold. " * 50],
                     "summarization", params={"max_new_tokens": 5})
    assert [r["truncated"] for r in rows] == [False, True]
    assert all(isinstance(r["summary"], str) for r in rows)


def test_fill_mask(tiny):
    p = Predictor(myna.load(tiny["masked"]))
    row = p.predict(["The quick brown [MASK] jumps."], "fill-mask", params={"top_k": 3})[0]
    assert len(row["predictions"]) == 3
    for guess in row["predictions"]:
        assert guess["sequence"] == f"The quick brown {guess['token_str']} jumps."
    long_text = "word " * 200 + "[MASK] jumps."
    assert p.predict([long_text], "fill-mask")[0]["predictions"]
    with pytest.raises(InputError, match="exactly one"):
        p.predict(["no mask here"], "fill-mask")


def test_zero_shot_with_minilm(minilm):
    labels = ["World", "Sports", "Business", "Sci_Tech"]
    rows = minilm.predict(["The Lakers beat the Celtics in overtime last night.",
                           "Shares of the bank fell after weak quarterly earnings."],
                          "zero-shot", params={"labels": labels})
    assert [r["label"] for r in rows] == ["Sports", "Business"]
    assert sum(rows[0]["cats"].values()) == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(InputError, match="needs the parameter 'labels'"):
        minilm.predict(["x"], "zero-shot-classification")
    with pytest.raises(InputError, match="at least two labels"):
        minilm.predict(["x"], "zero-shot-classification", params={"labels": "Sports"})


def test_zero_shot_reference_is_a_text_classifier(tmp_path):
    from myna.evaluate.scoring import evaluate

    data = tmp_path / "dev.jsonl"
    rows = [("The striker scored twice as the team won the cup final.", "Sports"),
            ("The central bank raised interest rates to fight inflation.", "Business"),
            ("The goalkeeper saved a penalty in the last minute.", "Sports"),
            ("Oil prices rose and stocks fell on Wall Street.", "Business")]
    data.write_text("".join(json.dumps({"text": t, "cats": {"Sports": float(y == "Sports"),
                                                             "Business": float(y == "Business")}})
                            + "\n" for t, y in rows))
    model = myna.load("zero-shot:Sports,Business")
    assert Predictor(model).tasks == ["textcat"]
    assert model.predict(rows[0][0])[0]["label"] == "Sports"  # myna.load(ref).predict
    report = evaluate("zero-shot:Sports,Business", data)
    assert report.task == "textcat" and report.examples == 4
    assert report.accuracy == 1.0
    saved = tmp_path / "zs"
    model.save(saved)
    again = Predictor(myna.load(str(saved)))
    assert again.predict([rows[0][0]]) == Predictor(model).predict([rows[0][0]])


def test_sentence_similarity(minilm):
    rows = minilm.predict([{"text": "Stocks fell sharply.", "text_pair": "Shares dropped."},
                           {"text": "Stocks fell sharply.", "text_pair": "The cat sleeps."}],
                          "similarity")
    assert rows[0]["similarity"] > rows[1]["similarity"]


def test_an_uncached_hub_id_offline_is_one_clear_message(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotFoundError) as err:
        myna.load("no-such-org/no-such-model")
    message = str(err.value)
    assert "HF_HUB_OFFLINE=1" in message and "local model directory" in message


def test_oversized_batches_are_split_not_failed():
    from myna.models.hf_batches import in_length_order, length_batches

    def run(batch):
        if len(batch) > 2:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return [x * 10 for x in batch]

    assert in_length_order([3, 1, 2, 5, 4], [3, 1, 2, 5, 4], 8, run) == [30, 10, 20, 50, 40]
    assert length_batches([10, 100, 10, 100], max_batch=8, max_tokens=200) == [[0, 2], [1, 3]]


def test_rest_question_answering_and_its_errors(tiny):
    from myna.serve.app import build_app
    from myna.serve.holder import ModelHolder, load_predictor
    from myna.serve.settings import ServeSettings

    app = build_app(ModelHolder(load_predictor(tiny["qa"])), ServeSettings())
    with TestClient(app) as client:
        ok = client.post("/v1/question-answering",
                         json={"question": "What is NLP?", "context": "NLP is a field.",
                               "top_k": 2})
        missing = client.post("/v1/question-answering", json={"question": "What?"})
        empty = client.post("/v1/question-answering", json={"question": "What?", "context": ""})
        bad_param = client.post("/v1/question-answering",
                                json={"question": "a", "context": "b", "top_k": 0})
        wrong_task = client.post("/v1/classify", json={"text": "hello"})
        invocations = client.post("/invocations", json={
            "dataframe_split": {"columns": ["question", "context"],
                                "data": [["What is NLP?", "NLP is a field."]]},
            "params": {"task": "qa", "top_k": 1}})
    assert ok.status_code == 200, ok.text
    answer = ok.json()["results"][0]
    assert "NLP is a field."[answer["start"]:answer["end"]] == answer["answer"]
    assert missing.status_code == 422 and "context missing" in missing.json()["error"]
    assert empty.status_code == 422
    assert bad_param.status_code == 422 and "top_k" in bad_param.json()["error"]
    assert wrong_task.status_code == 422 and "cannot do 'textcat'" in wrong_task.json()["error"]
    assert invocations.status_code == 200, invocations.text
    assert invocations.json()["predictions"][0]["answer"] == answer["answer"]


@pytest.mark.slow  # five commands, MiniLM and tiny models
def test_predict_command(tiny, myna, tmp_path):
    r = myna("predict", "qa", "--model", tiny["qa"], "--input", "question=What is NLP?",
             "Natural language processing is a field of computer science.")
    assert r.code == 0, r.err
    assert json.loads(r.out)["answers"]
    data = tmp_path / "in.csv"
    data.write_text("id,text\n1,Stocks fell on Wall Street.\n2,The team won the final.\n")
    out = tmp_path / "out.jsonl"
    r = myna("predict", "zero-shot-classification", "--labels", "Sports,Business",
             "--file", data, "--out", out)
    assert r.code == 0, r.err
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(row["id"], row["label"]) for row in rows] == [("1", "Business"), ("2", "Sports")]
    r = myna("predict", "text-generation", "--model", tiny["gpt2"], "-p", "temprature=2", "x")
    assert r.code == 1 and "no parameter 'temprature'" in r.err
    r = myna("predict", "summarization", "x")
    assert r.code == 1 and "no default transformers model" in r.err
    r = myna("predict", "qa", "--model", tiny["classifier"], "x")
    assert r.code == 1 and "cannot do" in r.err


@pytest.mark.slow
def test_registered_hugging_face_model_answers_in_spark_udf(tiny, monkeypatch):
    import sys

    import mlflow
    from pyspark.sql import SparkSession

    from myna.core.tracking import setup_mlflow
    from myna.registry import client as models

    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)
    setup_mlflow()
    version = models.register(tiny["qa"], "tiny-qa")
    assert version.tags["myna.task"] == "question-answering"
    expected = myna.load(tiny["qa"]).predict({"question": "What is NLP?",
                                              "context": "NLP is a field."}, "qa")[0]
    spark = (SparkSession.builder.master("local[1]").appName("myna-qa-udf")
             .config("spark.ui.enabled", "false")
             .config("spark.driver.host", "127.0.0.1")
             .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate())
    try:
        df = spark.createDataFrame([("What is NLP?", "NLP is a field.")], ["question", "context"])
        qa = mlflow.pyfunc.spark_udf(spark, "models:/tiny-qa/1", env_manager="local")
        row = df.select(qa("question", "context").alias("qa")).collect()[0].qa
    finally:
        spark.stop()
    assert (row.answer, row.start, row.end, row.error) == (
        expected["answer"], expected["start"], expected["end"], None)
