"""The Spark engine on a real standalone cluster (master + worker on 127.0.0.1), reached both
through `spark-submit` and through `myna batch run --master spark://…`."""

import json
import subprocess
import sys

import pyarrow.parquet as pq
import pytest
from spark_cluster import SPARK_HOME, spark_env, standalone_cluster

from myna.cli import submit as submit_script
from myna.registry import client as models

ROWS = [("Apple hired Tim Cook in California.", "a"),
        ('Shares of "Microsoft" rose, said Satya Nadella in Redmond.', "b"),
        ("The Yankees beat Boston\non Tuesday night in New York.", "c")]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("spark-cluster")
    with standalone_cluster(workdir) as url:
        yield url


def news_csv(path):
    body = b"id,text\n" + b"".join(
        b'%s,"%s"\n' % (i.encode(), t.replace('"', '""').encode()) for t, i in ROWS * 10)
    body += b'x,"Caf\xe9 owners met in Paris."\ny,one,field too many\n'
    path.write_bytes(body)
    return path


def by_id(path):
    rows = pq.read_table(path).to_pylist()
    return {(r["id"], r["text"]): r for r in rows}


def myna_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "myna.cli.main", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=300)


def test_spark_submit_matches_the_local_engine(cluster, tmp_path):
    src = news_csv(tmp_path / "news.csv")
    local = tmp_path / "local.parquet"
    assert myna_cli("batch", "run", "-i", src, "-o", local).returncode == 0
    out, report = tmp_path / "spark.parquet", tmp_path / "report.json"
    submit = subprocess.run(
        [str(SPARK_HOME / "bin" / "spark-submit"), "--master", cluster,
         "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.executor.memory=1g",
         submit_script.__file__,
         "--input", str(src), "--output", str(out), "--partitions", "4",
         "--report", str(report)],
        capture_output=True, text=True, env=spark_env(tmp_path), timeout=300)
    assert submit.returncode == 0, submit.stderr[-3000:]
    assert sorted(p.name for p in tmp_path.iterdir() if "spark.parquet" in p.name) == [
        "spark.parquet"]  # no temporary folder left beside it
    summary = json.loads(report.read_text())
    assert (summary["rows"], summary["failed"]) == (32, 2)
    assert summary["model_loads"] == 1  # one single-core worker: loaded once for 4 partitions
    spark_rows, local_rows = by_id(out), by_id(local)
    good = [k for k in local_rows if k[0] in ("a", "b", "c")]
    assert len(good) == 3
    for key in good:
        assert spark_rows[key]["entities"] == local_rows[key]["entities"]
        assert spark_rows[key]["error"] is None
    bad = [r for r in spark_rows.values() if r["error"]]
    assert {r["id"] for r in bad} == {"x", "y"}
    assert all(r["entities"] is None for r in bad)
    assert any("not valid UTF-8" in r["error"] for r in bad)
    assert any("malformed CSV" in r["error"] for r in bad)


def test_batch_run_on_the_cluster_loads_from_the_registry(cluster, tmp_path):
    models.set_alias("news-ner", models.register("en_core_web_sm", "news-ner").version,
                     "production")
    src = news_csv(tmp_path / "news.csv")
    out = tmp_path / "out.parquet"
    args = ["batch", "run", "--engine", "spark", "--master", cluster, "-i", src, "-o", out,
            "--model", "models:/news-ner@production", "--no-ship-model"]
    # --device/--precision reach the executors as spark.executorEnv.MYNA_DEVICE/_PRECISION
    first = myna_cli(*args, "--device", "cpu", "--precision", "fp32", env=spark_env(tmp_path))
    assert first.returncode == 0, first.stderr[-3000:]
    assert "32 rows, 2 failed" in first.stderr
    rows = by_id(out)
    assert ("Tim Cook", "PERSON") in [(e["text"], e["label"])
                                      for e in rows[("a", ROWS[0][0])]["entities"]]
    again = myna_cli(*args, env=spark_env(tmp_path))
    assert again.returncode == 1 and "output already exists" in again.stderr
    skipped = myna_cli(*args, "--skip-existing", env=spark_env(tmp_path))
    assert skipped.returncode == 0 and "skipped" in skipped.stderr
