"""The CLI against careless input: one clear line (never a traceback) for bad files and
options, pipes read once, data that looks like markup or terminal commands printed as it is,
outputs that never replace an input or a user's folder, and writes that keep permissions."""

import json
import os
import stat
import threading

import pyarrow as pa
import pyarrow.parquet as pq
import pytest


def one_line_error(r, code: int = 1) -> str:
    assert r.code == code, (r.code, r.out, r.err)
    assert "Traceback" not in r.err
    return r.err


# --- item 15: bad inputs -------------------------------------------------------------------
@pytest.fixture
def bad_files(tmp_path):
    files = {
        "parquet": tmp_path / "bad.parquet",
        "csv": tmp_path / "ok.csv",
        "cats": tmp_path / "cats.jsonl",
        "deep": tmp_path / "deep.jsonl",
        "latin1": tmp_path / "latin1.csv",
        "big": tmp_path / "big.jsonl",
        "dup": tmp_path / "dup.csv",
    }
    files["parquet"].write_bytes(b"PAR1 this is not parquet")
    files["csv"].write_text("text,label\nApple hired Tim Cook.,A\n")
    files["cats"].write_text(json.dumps({"text": "hi", "cats": {"A": "x"}}) + "\n")
    files["deep"].write_text('{"text": "hi", "x": ' + "[" * 5000 + "]" * 5000 + "}\n")
    files["latin1"].write_bytes("Symbol,Security\nGLE,Société Générale\n".encode("latin-1"))
    files["big"].write_text(json.dumps({"text": "IBM rose.", "n": 2**70}) + "\n"
                            + json.dumps({"text": "Apple fell.", "n": 1}) + "\n")
    files["dup"].write_text("text,text\na,b\n")
    return files


@pytest.mark.parametrize("args, message", [
    (["analyze", "--file", "{parquet}", "--only", "ner"], "not a readable Parquet file"),
    (["data", "stats", "{parquet}"], "not a readable Parquet file"),
    (["batch", "run", "-i", "{parquet}", "-o", "{tmp}/o.parquet"], "not a readable Parquet"),
    (["analyze", "--file", "{csv}", "--encoding", "bogus"], "unknown encoding 'bogus'"),
    (["batch", "run", "-i", "{csv}", "-o", "{tmp}/o.parquet", "--encoding", "bogus"],
     "unknown encoding"),
    (["analyze", "--file", "{csv}", "--encoding", "utf-16"], "cannot read the file as utf-16"),
    (["data", "stats", "{cats}"], "cats['A']: a category score must be a number"),
    (["data", "stats", "{deep}"], "deep.jsonl:1: JSON nested too deeply"),
    (["kb", "build", "--from-csv", "{latin1}", "--id-col", "Symbol", "--name-col", "Security",
      "-o", "{tmp}/kb.jsonl"], "latin1.csv:2: column 'Security': not valid UTF-8"),
    (["analyze", "--file", "{dup}", "--only", "ner"], "'text' appear more than once"),
    (["batch", "run", "-i", "{dup}", "-o", "{tmp}/o.parquet"], "'text' appear more than once"),
])
def test_bad_inputs_get_one_line(myna, bad_files, tmp_path, args, message):
    filled = [a.format(tmp=tmp_path, **bad_files) for a in args]
    err = one_line_error(myna(*filled))
    assert message in err


@pytest.mark.parametrize("args", [
    ["analyze", "--file", "{csv}", "--batch-size", "0"],
    ["analyze", "--file", "{csv}", "--batch-size", "-3"],
    ["batch", "run", "-i", "{csv}", "-o", "{tmp}/o.parquet", "--batch-size", "0"],
    ["batch", "run", "-i", "{csv}", "-o", "{tmp}/o.parquet", "--max-chars", "-1"],
])
def test_sizes_below_one_are_usage_errors(myna, bad_files, tmp_path, args):
    filled = [a.format(tmp=tmp_path, **bad_files) for a in args]
    err = one_line_error(myna(*filled), code=2)
    assert "greater than or equal to 1" in err
    assert not (tmp_path / "o.parquet").exists()


def test_an_integer_beyond_64_bits_is_a_row_error_not_a_stop(myna, bad_files, tmp_path):
    out = tmp_path / "o.parquet"
    r = myna("batch", "run", "-i", bad_files["big"], "-o", out)
    assert r.code == 0 and "does not fit in 64 bits" in r.err
    rows = pq.read_table(out).to_pylist()
    assert rows[0]["error"] and "1180591620717411303424" in rows[0]["error"]
    assert rows[1]["error"] is None and rows[1]["entities"][0]["text"] == "Apple"


def test_kb_build_reads_other_encodings(myna, bad_files, tmp_path):
    r = myna("kb", "build", "--from-csv", bad_files["latin1"], "--id-col", "Symbol",
             "--name-col", "Security", "-o", tmp_path / "kb.jsonl", "--encoding", "latin-1")
    assert r.code == 0, r.err
    assert "Société Générale" in (tmp_path / "kb.jsonl").read_text(encoding="utf-8")


# --- item 7: streams are read once --------------------------------------------------------
def _fifo_with(tmp_path, name: str, data: str):
    path = tmp_path / name
    os.mkfifo(path)

    def write():
        with open(path, "w") as f:  # blocks until the reader opens it
            f.write(data)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    return path, writer


def test_a_fifo_is_read_once_and_fully(myna, tmp_path):
    src, writer = _fifo_with(tmp_path, "news.csv", "text\nApple hired Tim Cook.\nIBM rose.\n")
    out = tmp_path / "out.jsonl"
    r = myna("analyze", "--file", src, "--only", "ner", "--out", out)
    writer.join(timeout=10)
    assert r.code == 0, r.err
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["text"] for row in rows] == ["Apple hired Tim Cook.", "IBM rose."]
    assert rows[1]["entities"][0]["text"] == "IBM"
    kb_src, writer = _fifo_with(tmp_path, "companies.csv", "Symbol,Security\nIBM,IBM Corp.\n")
    r = myna("kb", "build", "--from-csv", kb_src, "--id-col", "Symbol", "--name-col",
             "Security", "-o", tmp_path / "kb.jsonl")
    writer.join(timeout=10)
    assert r.code == 0 and "wrote 1 entities" in r.err, r.err


# --- item 8: data that looks like markup or terminal commands ------------------------------
def test_markup_and_escape_sequences_in_data_are_printed_as_they_are(myna, tmp_path):
    src = tmp_path / "in[b].jsonl"
    src.write_text(json.dumps({"text": "IBM rose.", "cats": {"[/b]": 1.0}}) + "\n")
    r = myna("annotate", "db-in", "[/]", src)
    assert r.code == 0 and "'[/]': 1 new text(s)" in r.err and "[/b]" in r.err, r.err
    listed = myna("annotate", "list")
    assert listed.code == 0 and "[/]" in listed.out and "[/b]" in listed.out
    assert myna("annotate", "stats", "[/]").code == 0
    r = myna("annotate", "drop", "[/]", "-y")
    assert r.code == 0 and "dropped '[/]'" in r.err
    esc = tmp_path / "esc.csv"
    esc.write_text("te\x1b[2Jxt,label\nhello,A\n")
    err = one_line_error(myna("analyze", "--file", esc, "--only", "ner"))
    assert "\x1b" not in err and "te\\x1b[2Jxt" in err
    err = one_line_error(myna("analyze", "--file", tmp_path / "no[/]such.csv"))
    assert "no[/]such.csv: no such file" in err


# --- item 16: never write onto the input ----------------------------------------------------
def test_outputs_never_replace_their_input(myna, tmp_path):
    src = tmp_path / "news.csv"
    original = "text,label\nApple hired Tim Cook.,A\n"
    src.write_text(original)
    attempts = [
        ["data", "convert", src, src],
        ["analyze", "--file", src, "--only", "ner", "--out", src],
        ["kb", "build", "--from-csv", src, "--id-col", "label", "--name-col", "text", "-o", src],
        ["batch", "run", "-i", src, "-o", src, "--overwrite"],
        ["batch", "run", "-i", src, "-o", tmp_path / "." / "news.csv", "--overwrite"],
    ]
    for args in attempts:
        err = one_line_error(myna(*args))
        assert "is also the input" in err, args
        assert src.read_text() == original


# --- item 6: folders as batch outputs -------------------------------------------------------
def test_batch_output_folders(myna, tmp_path):
    src = tmp_path / "news.csv"
    src.write_text("text\nApple hired Tim Cook.\n")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    r = myna("batch", "run", "-i", src, "-o", mine, "--overwrite")
    assert r.code == 0, r.err
    assert (mine / "notes.txt").read_text() == "keep me"  # the folder is the user's
    assert pq.read_table(mine / "news.parquet").num_rows == 1
    r = myna("batch", "run", "-i", src, "-o", f"{tmp_path / 'fresh'}/")
    assert r.code == 0 and (tmp_path / "fresh" / "news.parquet").is_file(), r.err
    spark_out = tmp_path / "spark_out"
    spark_out.mkdir()
    (spark_out / "_SUCCESS").write_text("")
    pq.write_table(pa.table({"text": ["old"]}), spark_out / "part-0.parquet")
    r = myna("batch", "run", "-i", src, "-o", spark_out, "--overwrite")
    assert r.code == 0 and spark_out.is_file(), r.err  # a Spark output may be replaced
    err = one_line_error(myna("batch", "run", "-i", src, "-o", mine, "--overwrite",
                              "--engine", "spark"))
    assert "not a Spark output" in err and (mine / "notes.txt").exists()


# --- item 17 and 19: permissions, and errors naming the file asked for ---------------------
def test_writes_keep_permissions_and_errors_name_the_target(myna, tmp_path):
    src = tmp_path / "news.csv"
    src.write_text("text,label\nApple hired Tim Cook.,A\n")
    new = tmp_path / "new.jsonl"
    old_mask = os.umask(0o027)
    try:
        assert myna("data", "convert", src, new).code == 0
        assert stat.S_IMODE(new.stat().st_mode) == 0o640  # 0666 less the umask, not 0600
    finally:
        os.umask(old_mask)
    new.chmod(0o604)
    assert myna("data", "convert", src, new).code == 0
    assert stat.S_IMODE(new.stat().st_mode) == 0o604  # the existing file's mode is kept
    out = tmp_path / "out.parquet"
    assert myna("batch", "run", "-i", src, "-o", out).code == 0
    out.chmod(0o640)
    assert myna("batch", "run", "-i", src, "-o", out, "--overwrite").code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    folder = tmp_path / "taken.jsonl"
    folder.mkdir()
    err = one_line_error(myna("data", "convert", src, folder))
    assert f"{folder}: Is a directory" in err and ".tmp" not in err


# --- item 10: API key files -----------------------------------------------------------------
def test_indented_comments_in_a_key_file_are_not_keys(tmp_path):
    from myna.core.web.auth import load_keys

    keys = tmp_path / "keys.txt"
    keys.write_text("# production keys\n    # an indented comment that is long\n"
                    "  " + "k" * 32 + "  \n\n")
    assert load_keys(keys) == ["k" * 32]
