"""`myna batch run` on the local engine: every input column kept, results in the book's
schema, bad rows flagged and the run going on, job-level problems stopping before any work."""

import json
import os
import signal
import subprocess
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

NEWS = [
    "Apple hired Tim Cook in California.",
    'Shares of "Microsoft" rose, said Satya Nadella in Redmond.',
    "The Yankees beat Boston\non Tuesday night in New York.",
]


def write_csv(path, extra_rows: bytes = b"") -> None:
    """Quoted commas, doubled quotes, a newline inside a quoted cell, then ``extra_rows``."""
    lines = [b"id,text,source"]
    for i, text in enumerate(NEWS):
        quoted = text.replace('"', '""').encode()
        lines.append(b'%d,"%s","wire, %d"' % (i, quoted, i))
    path.write_bytes(b"\n".join(lines) + b"\n" + extra_rows)


def read(path):
    return pq.read_table(path).to_pylist()


def test_csv_rows_keep_their_columns_and_get_entities(tmp_path, myna):
    write_csv(tmp_path / "news.csv")
    out = tmp_path / "out.parquet"
    report = tmp_path / "report.json"
    r = myna("batch", "run", "--input", tmp_path / "news.csv", "--output", out,
             "--report", report)
    assert r.code == 0, r.err
    assert "3 rows, 0 failed" in r.err
    table = pq.read_table(out)
    assert table.schema.names == ["id", "text", "source", "entities", "error"]
    assert table.schema.field("entities").type == pa.list_(pa.struct(
        [("text", pa.string()), ("start_char", pa.int32()), ("end_char", pa.int32()),
         ("label", pa.string())]))
    rows = table.to_pylist()
    assert [r["text"] for r in rows] == NEWS  # quoting and the embedded newline survive
    assert rows[1]["source"] == "wire, 1"
    assert ("Tim Cook", "PERSON", 12, 20) in [
        (e["text"], e["label"], e["start_char"], e["end_char"]) for e in rows[0]["entities"]]
    assert {e["text"] for e in rows[2]["entities"]} >= {"Boston", "New York"}
    assert all(r["error"] is None for r in rows)
    summary = json.loads(report.read_text())
    assert (summary["rows"], summary["failed"], summary["engine"]) == (3, 0, "local")


def test_bad_rows_get_an_error_and_the_run_goes_on(tmp_path, myna):
    write_csv(tmp_path / "news.csv",  # the header is line 1; the third story spans 4-5
              b'7,"Caf\xe9 owners met in Paris.",latin\n'  # not UTF-8
              b"8,too,many,fields\n"
              b'9,"' + b"Berlin is big. " * 20 + b'",long\n'
              b"10,,empty\n")
    out = tmp_path / "out.parquet"
    r = myna("batch", "run", "-i", tmp_path / "news.csv", "-o", out, "--max-chars", "200")
    assert r.code == 0, r.err
    assert "7 rows, 3 failed" in r.err
    rows = {row["id"]: row for row in read(out) if row["id"] is not None}
    bad_utf8 = rows["7"]
    assert "not valid UTF-8 (byte 0xe9" in bad_utf8["error"]
    assert "news.csv:6" in bad_utf8["error"] and bad_utf8["entities"] is None
    assert "over the limit of 200" in rows["9"]["error"]
    assert "news.csv:8" in rows["9"]["error"]
    malformed = [row for row in read(out) if row["id"] is None]
    assert len(malformed) == 1 and "expected 3 fields, found 4" in malformed[0]["error"]
    assert rows["10"]["error"] is None and rows["10"]["entities"] == []  # empty text: no ents
    assert rows["0"]["entities"] and rows["0"]["error"] is None


def test_jsonl_nulls_and_non_text_cells(tmp_path, myna):
    lines = [{"id": 1, "text": "Apple is in Cupertino.", "score": 0.5},
             {"id": 2, "text": None, "score": 1},
             {"id": 3, "text": {"nested": True}},
             {"id": 4, "text": 2024}]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(x) for x in lines) + "\n{not json\n")
    out = tmp_path / "out.parquet"
    r = myna("batch", "run", "-i", src, "-o", out)
    assert r.code == 0, r.err
    table = pq.read_table(out)
    assert table.schema.field("id").type == pa.int64()
    assert table.schema.field("score").type == pa.float64()
    rows = table.to_pylist()
    assert rows[0]["entities"][0]["text"] == "Apple" and rows[0]["error"] is None
    assert "null" in rows[1]["error"] and f"{src}:2" in rows[1]["error"]
    assert "expected text, found a dict" in rows[2]["error"]
    assert rows[3]["error"] is None and rows[3]["text"] == "2024"  # numbers read as text
    assert "invalid JSON" in rows[4]["error"] and rows[4]["id"] is None
    assert "5 rows, 3 failed" in r.err


def test_parquet_input_textcat_keeps_types(tmp_path, myna, textcat_pipeline):
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"n": pa.array([1, 2], pa.int32()),
                             "body": ["The striker scored twice in the final.",
                                      "The bank raised its quarterly profit forecast."]}), src)
    out = tmp_path / "out.parquet"
    r = myna("batch", "run", "-i", src, "-c", "body", "--task", "textcat",
             "--model", textcat_pipeline, "-o", out)
    assert r.code == 0, r.err
    table = pq.read_table(out)
    assert table.schema.field("n").type == pa.int32()
    assert table.schema.field("cats").type == pa.map_(pa.string(), pa.float64())
    rows = table.to_pylist()
    assert [r["label"] for r in rows] == ["Sports", "Business"]
    assert {k for k, _ in rows[0]["cats"]} == {"Sports", "Business"}


def test_unsure_rows_are_queued_for_review_after_the_run(tmp_path, myna, textcat_pipeline):
    from myna.annotate.database import open_store
    from myna.models import load

    texts = [f"{t} on day {i}." for i, t in enumerate(
        ["The striker scored twice", "The bank raised rates", "Quarterly goal", "The weather",
         "Fans sold their stocks", "The coach praised the players"])]
    scores = sorted(row["score"] for row in load(str(textcat_pipeline)).predict(texts))
    threshold = (scores[2] + scores[3]) / 2  # half of them under it
    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"text": texts}), src)
    out = tmp_path / "out.parquet"
    r = myna("batch", "run", "-i", src, "-t", "textcat", "-m", textcat_pipeline, "-o", out,
             "--review-below", str(threshold), "--review-dataset", "unsure")
    assert r.code == 0, r.err
    unsure = {row["text"]: row["label"] for row in pq.read_table(out).to_pylist()
              if row["score"] < threshold}
    assert 0 < len(unsure) < len(texts)
    assert f"{len(unsure)} unsure answers queued for review" in r.err
    store = open_store()
    queued = store.unserved(store.dataset("unsure"), "bob", overlap=True, limit=100)
    assert {e.text: next(iter(e.extra["cats"])) for e in queued} == unsure
    r = myna("batch", "run", "-i", src, "-t", "textcat", "-m", textcat_pipeline, "-o", out,
             "--overwrite", "--review-below", "0.9")
    assert r.code == 1 and "go together" in r.err


def test_embed_task_gives_minilm_vectors(tmp_path, myna):
    src = tmp_path / "in.csv"
    src.write_text("text\nStocks fell sharply.\nShares dropped a lot.\nThe cat sat down.\n")
    out = tmp_path / "out.parquet"
    r = myna("batch", "run", "-i", src, "--task", "embed", "-o", out)
    assert r.code == 0, r.err
    vectors = [row["embedding"] for row in read(out)]
    assert [len(v) for v in vectors] == [384] * 3

    def cos(a, b):
        return sum(x * y for x, y in zip(a, b, strict=True)) / (
            sum(x * x for x in a) ** 0.5 * sum(y * y for y in b) ** 0.5)

    assert cos(vectors[0], vectors[1]) > cos(vectors[0], vectors[2])


def test_many_rows_run_in_worker_processes_in_order(tmp_path, myna):
    src = tmp_path / "in.csv"
    src.write_text("text\n" + "".join(f"Visit Paris on day {i}.\n" for i in range(2500)))
    out = tmp_path / "out.parquet"
    r = myna("batch", "run", "-i", src, "-o", out, "-j", "2")
    assert r.code == 0, r.err
    rows = read(out)
    assert [row["text"] for row in rows] == [f"Visit Paris on day {i}." for i in range(2500)]
    assert all(any(e["text"] == "Paris" for e in row["entities"]) for row in rows)


@pytest.mark.parametrize("args, message", [
    (["-c", "body"], "no column 'body'; columns are: id, text, source"),
    (["--task", "summarize"], "unknown task 'summarize'"),
    (["--model", "en_core_web_zz"], "'en_core_web_zz' is not installed"),
    (["--task", "textcat"], "cannot do 'textcat'"),
    (["--task", "link"], "--task link needs --kb"),
    (["--engine", "spark", "--master", "spark://127.0.0.1:9"], "cannot reach the Spark master"),
])
def test_job_level_problems_stop_before_any_work(tmp_path, myna, args, message):
    write_csv(tmp_path / "news.csv")
    out = tmp_path / "out.parquet"
    r = myna("batch", "run", "-i", tmp_path / "news.csv", "-o", out, *args)
    assert r.code == 1
    assert message in r.err
    assert not out.exists() and os.listdir(tmp_path) == ["news.csv"]


def test_existing_output_is_refused_skipped_or_replaced(tmp_path, myna):
    write_csv(tmp_path / "news.csv")
    out = tmp_path / "out.parquet"
    out.write_bytes(b"previous")
    r = myna("batch", "run", "-i", tmp_path / "news.csv", "-o", out)
    assert r.code == 1 and "output already exists" in r.err and "--overwrite" in r.err
    r = myna("batch", "run", "-i", tmp_path / "news.csv", "-o", out, "--skip-existing")
    assert r.code == 0 and "skipped" in r.err
    assert out.read_bytes() == b"previous"
    r = myna("batch", "run", "-i", tmp_path / "news.csv", "-o", out, "--overwrite")
    assert r.code == 0 and len(read(out)) == 3


@pytest.mark.slow  # a batch run in another process, killed
def test_a_killed_run_leaves_the_previous_output(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("text\n" + "".join(f"Apple opened a store in Paris, day {i}.\n"
                                      for i in range(100_000)))
    out = tmp_path / "out.parquet"
    pq.write_table(pa.table({"text": ["old"]}), out)
    proc = subprocess.Popen([sys.executable, "-m", "myna.cli.main", "batch", "run", "-i",
                             str(src), "-o", str(out), "--overwrite", "-j", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 120
    while not list(tmp_path.glob(".out.parquet.*.tmp")) and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # let it write a row group or two
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert read(out) == [{"text": "old"}]  # still the previous, complete output
    leftovers = list(tmp_path.glob(".out.parquet.*.tmp"))
    assert leftovers and all(p.name.startswith(".") for p in leftovers)


def test_link_and_analyze_tasks(tmp_path, myna):
    from myna.demo.run import sample_path

    kb = tmp_path / "kb.jsonl"
    assert myna("kb", "build", "--from-csv", sample_path("companies.csv"), "--id-col", "ticker",
                "--name-col", "company", "--id-as-alias", "-o", kb).code == 0
    src = sample_path("sample_news.jsonl")
    linked, analysed = tmp_path / "linked.parquet", tmp_path / "analysed.parquet"
    r = myna("batch", "run", "-i", src, "-t", "link", "--kb", kb, "-o", linked)
    assert r.code == 0, r.err
    first = read(linked)[0]
    assert ("Apple", "ORG", "AAPL") in [(e["text"], e["label"], e["kb_id"])
                                        for e in first["entities"]]
    r = myna("batch", "run", "-i", src, "-t", "analyze", "-o", analysed)
    assert r.code == 0, r.err
    table = pq.read_table(analysed)
    assert {"tokens", "sents", "noun_chunks", "entities"} <= set(table.schema.names)
    row = table.to_pylist()[0]
    assert row["tokens"][0]["pos"] == "PROPN" and row["sents"][0]["start_char"] == 0


def test_usage_errors_name_the_option(myna):
    r = myna("batch", "run", "--output", "x.parquet")
    assert r.code == 2 and "--input" in r.err and "Traceback" not in r.err
