"""The model registry and the `myna` MLflow flavor, checked with MLflow's own loaders."""

import json
import sys
from pathlib import Path

import mlflow
import pytest

from myna.core.errors import InputError, ModelNotFoundError
from myna.core.tracking import setup_mlflow
from myna.registry import client as models


@pytest.fixture
def registered(textcat_pipeline):
    """news-ner v1 (the pretrained pipeline) and news-topics v1 (the classifier)."""
    ner = models.register("en_core_web_sm", "news-ner")
    topics = models.register(str(textcat_pipeline), "news-topics", description="AG-style")
    models.set_alias("news-ner", ner.version, "production")
    models.set_alias("news-topics", topics.version, "production")
    return ner, topics


def test_pyfunc_predicts_entities_and_categories_from_the_registry(registered):
    setup_mlflow()
    ner = mlflow.pyfunc.load_model("models:/news-ner@production")
    out = ner.predict(["Apple hired Tim Cook in California.", None])
    assert list(out.columns) == ["entities", "error"]
    assert [(e["text"], e["label"], e["start_char"]) for e in out["entities"][0]] == [
        ("Apple", "ORG", 0), ("Tim Cook", "PERSON", 12), ("California", "GPE", 24)]
    assert list(out["entities"][1]) == [] and out["error"][1] is None  # null → empty text
    bad = ner.predict(["fine", {"not": "text"}])
    assert "expected text" in bad["error"][1] and bad["error"][0] is None

    topics = mlflow.pyfunc.load_model("models:/news-topics@production")
    cats = topics.predict(["Shares fell as the bank raised rates."])
    assert cats["label"][0] == "Business"
    assert set(cats["predictions"][0]) == {"Business", "Sports"}
    # Other tasks of the same artifact through params, and MLflow's spaCy loader as well.
    analysis = ner.predict(["Apple hired Tim Cook."], params={"task": "analyze"})
    assert analysis["tokens"][0][0]["pos"] == "PROPN"
    assert "ner" in mlflow.spacy.load_model("models:/news-ner/1").pipe_names
    with pytest.raises(InputError, match="cannot do 'textcat'"):
        ner.predict(["x"], params={"task": "textcat"})


def test_spark_udf_runs_ner_and_textcat(registered, monkeypatch):
    from pyspark.sql import SparkSession

    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)
    setup_mlflow()
    spark = (SparkSession.builder.master("local[1]").appName("myna-test")
             .config("spark.ui.enabled", "false")
             .config("spark.driver.host", "127.0.0.1")
             .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate())
    try:
        df = spark.createDataFrame([("Apple hired Tim Cook.",), ("The bank raised rates.",)],
                                   ["text"])
        ner = mlflow.pyfunc.spark_udf(spark, "models:/news-ner@production", env_manager="local")
        topics = mlflow.pyfunc.spark_udf(spark, "models:/news-topics@production",
                                         env_manager="local")
        rows = df.select("text", ner("text").alias("ner"), topics("text").alias("tc")).collect()
    finally:
        spark.stop()
    assert [(e.text, e.label) for e in rows[0].ner.entities] == [("Apple", "ORG"),
                                                                 ("Tim Cook", "PERSON")]
    assert rows[1].tc.label == "Business" and rows[1].tc.error is None
    assert set(rows[1].tc.predictions) == {"Business", "Sports"}


def test_versions_aliases_and_tags(registered, textcat_pipeline, myna):
    second = models.register(str(textcat_pipeline), "news-topics")
    assert second.version == "2"
    assert second.tags["myna.task"] == "textcat"
    assert second.tags["myna.code_version"].startswith("myna ")
    r = myna("models", "alias", "news-topics", "2", "staging")
    assert r.code == 0, r.err
    found = {v.version: v.aliases for v in models.versions("news-topics")}
    assert found == {"1": ["production"], "2": ["staging"]}
    r = myna("models", "alias", "news-topics", "2", "production")  # moves the alias
    assert {v.version: v.aliases for v in models.versions("news-topics")} == {
        "1": [], "2": ["production", "staging"]}
    r = myna("models", "list")
    assert "news-ner" in r.out and "production→v2" in r.out
    r = myna("models", "show", "news-topics", "--json")
    assert [v["version"] for v in json.loads(r.out)] == ["1", "2"]
    r = myna("models", "load", "models:/news-topics@production", "-t", "Shares fell.")
    assert r.code == 0 and '"label": "Business"' in r.out
    for args, message in [(("alias", "news-topics", "9", "prod"), "no version 9"),
                          (("show", "nope"), "no registered model 'nope'"),
                          (("alias", "news-topics", "1", "v2"), "may not look like a version"),
                          (("load", "models:/news-topics@gone"), "does not resolve")]:
        r = myna("models", *args)
        assert r.code == 1 and message in r.err, (args, r.err)


def test_training_runs_register_with_their_metrics_and_data(tmp_path, myna):
    rows = ["text,label"] + [f"The striker scored goal {i},Sports" for i in range(20)] + [
        f"The bank raised rates {i},Business" for i in range(20)]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    from myna.train.runner import TrainSpec, train

    runs = [train(TrainSpec(task="textcat", source=tmp_path / "d.csv", output=tmp_path / f"m{k}",
                            label_column="label", epochs=k)) for k in (1, 3)]
    for run in runs:
        r = myna("models", "register", run.run_id, "--name", "topics")
        assert r.code == 0, r.err
    v1 = models.show_version("topics", 1)
    assert v1.tags["data.train_rows"] == "32" and len(v1.tags["data.train_sha256"]) == 64
    assert float(v1.tags["metric.final.cats_macro_f"]) == pytest.approx(
        runs[0].scores["cats_macro_f"], abs=1e-4)
    r = myna("models", "diff", "topics", "1", "2")
    assert r.code == 0 and "final.cats_macro_f" in r.out and "tag myna.source" in r.out
    assert models.diff("topics", 1, 2)[0][0].startswith("final.")
    with pytest.raises(ModelNotFoundError, match="no MLflow run"):
        models.register("0" * 32, "topics")


def test_evaluate_compare_and_analyze_take_registered_models(registered, myna, tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"text": "Apple hired Tim Cook.", "spans": [
        {"start": 0, "end": 5, "label": "ORG"}, {"start": 12, "end": 20, "label": "PERSON"}]})
        + "\n")
    r = myna("evaluate", "models:/news-ner@production", gold, "--json", tmp_path / "s.json")
    assert r.code == 0, r.err
    assert json.loads((tmp_path / "s.json").read_text())["model"] == "models:/news-ner@production"
    r = myna("compare", "en_core_web_sm", "models:/news-ner/1", gold)
    assert r.code == 0, r.err
    assert "ORG" in r.out
    r = myna("evaluate", "models:/news-ner@nowhere", gold)
    assert r.code == 1 and "does not resolve" in r.err
    r = myna("analyze", "Apple hired Tim Cook.", "--only", "ner", "-m",
             "models:/news-ner@production")
    assert r.code == 0 and "Apple" in r.out and "ORG" in r.out


def test_models_list_reads_the_registry_like_mlflows_client(registered, myna, tmp_path,
                                                             monkeypatch):
    """`myna models list` reads the store without MLflow: its SQL tables here, and the REST
    API of a real `mlflow server` on the same store; both agree with MLflow's client."""
    import signal
    import subprocess
    import time

    import httpx
    from spark_cluster import free_port

    from myna.core.tracking import tracking_uri
    from myna.registry import listing

    models.set_alias("news-ner", 1, "staging")
    expected = models.list_models()
    assert [r["name"] for r in expected] == ["news-ner", "news-topics"]
    assert listing.list_models() == expected
    r = myna("models", "list")
    assert r.code == 0 and "news-ner" in r.out and "production→v1" in r.out

    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "mlflow"), "server", "--host", "127.0.0.1",
         "--port", str(port), "--backend-store-uri", tracking_uri(), "--workers", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        monkeypatch.setenv("MLFLOW_TRACKING_URI", url)
        assert listing.list_models() == expected
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
