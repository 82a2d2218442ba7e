"""`myna tokenizer train|encode` on corpora the tests write: the book's whitespace tokenizer
exactly, every algorithm trains a file that `transformers` loads and that gives the text back
where the algorithm can, corpora streamed from data files with sampling and a size budget,
and bad input refused with the file named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from myna.train.tokenizer import ALGOS, as_transformers, load_tokenizer

BOOK = "The quick brown fox jumps over the lazy dog."
NEWS = ["ORCL shares rose after Oracle beat estimates.",
        "Oracle (ORCL) said cloud revenue grew 25% in the quarter.",
        "Shares of ORCL fell as investors sold technology stocks.",
        "The striker scored twice and the team won the cup final.",
        "Oil prices rose after the OPEC meeting in Vienna.",
        "The central bank raised interest rates again on Tuesday."]


@pytest.fixture
def corpus(tmp_path) -> Path:
    path = tmp_path / "news.txt"
    path.write_text("\n".join(NEWS * 20) + "\n", encoding="utf-8")
    return path


def encode(myna, *args) -> dict:
    r = myna("tokenizer", "encode", *map(str, args), "--json")
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_the_books_whitespace_tokenizer_exactly(myna, tmp_path):
    out = encode(myna, "--algo", "whitespace", BOOK)
    assert out["vocab"] == {"The": 0, "quick": 1, "brown": 2, "fox": 3, "jumps": 4, "over": 5,
                            "the": 6, "lazy": 7, "dog.": 8}
    assert out["ids"] == [0, 1, 2, 3, 4, 5, 6, 7, 8]
    assert out["offsets"][8] == [40, 44]
    book = tmp_path / "book.txt"
    book.write_text(BOOK + "\n")
    r = myna("tokenizer", "train", book, "--algo", "whitespace", "-o", tmp_path / "ws.json")
    assert r.code == 0, r.err
    trained = encode(myna, tmp_path / "ws.json", "The lazy cat")
    assert trained["ids"] == [0, 7, 9] and trained["tokens"][2] == "[UNK]"  # specials follow


@pytest.mark.slow  # trains five tokenizers
@pytest.mark.parametrize("algo", [a for a in ALGOS if a != "whitespace"])
def test_every_algorithm_trains_a_file_transformers_loads(myna, corpus, tmp_path, algo):
    out = tmp_path / f"{algo}.json"
    r = myna("tokenizer", "train", corpus, "--algo", algo, "--vocab-size", "300", "-o", out)
    assert r.code == 0, r.err
    tok = load_tokenizer(out)
    assert 30 < tok.get_vocab_size() <= 300
    hf = as_transformers(out)
    text = "Oracle shares rose on Tuesday."
    assert hf(text)["input_ids"] == tok.encode(text).ids
    encoded = encode(myna, out, text)
    pieces = 0
    for token, (start, end) in zip(encoded["tokens"], encoded["offsets"], strict=True):
        piece = token.replace("▁", "").replace("Ġ", "").removeprefix("##")
        if token != "[UNK]" and piece:  # each piece points at its own characters
            assert text[start:end].strip() == piece
            pieces += 1
    assert pieces >= 5
    if algo in ("bpe", "bytelevel-bpe", "unigram"):  # these give the text back
        assert tok.decode(tok.encode(text).ids) == text


def test_data_file_columns_sampling_and_a_size_budget(myna, tmp_path):
    from myna.data.corpus import Corpus

    data = tmp_path / "news.csv"
    data.write_text("id,body\n" + "".join(f'{i},"{t}"\n' for i, t in enumerate(NEWS * 50)))
    everything = list(Corpus([data], "body"))
    assert len(everything) == 300 and everything[0] == NEWS[0]
    half = list(Corpus([data], "body", sample=0.5))
    assert 100 < len(half) < 200 and half == list(Corpus([data], "body", sample=0.5))
    budget = Corpus([data], "body", max_mb=0.001)
    assert sum(len(t.encode()) for t in budget) < 1000 + max(len(t) for t in NEWS)
    r = myna("tokenizer", "train", data, "--column", "body", "--algo", "wordpiece",
             "--vocab-size", "200", "--sample", "0.5", "-o", tmp_path / "wp.json")
    assert r.code == 0, r.err
    assert "from 1" in r.err and "texts" in r.err


def test_bad_input_is_refused_with_the_place_named(myna, corpus, tmp_path):
    out = tmp_path / "tok.json"
    r = myna("tokenizer", "train", corpus, "--algo", "sentencepiece", "-o", out)
    assert r.code == 1 and "--algo must be one of" in r.err
    r = myna("tokenizer", "train", corpus, "--vocab-size", "3", "-o", out)
    assert r.code == 1 and "no room beside the 5 special tokens" in r.err
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n")
    r = myna("tokenizer", "train", empty, "-o", out)
    assert r.code == 1 and "the corpus has no text" in r.err
    data = tmp_path / "d.csv"
    data.write_text("id,body\n1,hello\n")
    r = myna("tokenizer", "train", data, "--column", "text", "-o", out)
    assert r.code == 1 and "no column 'text'" in r.err and "d.csv" in r.err
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9 au lait\n".encode("latin-1"))
    r = myna("tokenizer", "train", latin, "-o", out)
    assert r.code == 1 and "latin.txt:1" in r.err and "not valid UTF-8" in r.err
    r = myna("tokenizer", "train", corpus, "--sample", "0", "-o", out)
    assert r.code == 1 and "--sample" in r.err
    assert not out.exists()
    r = myna("tokenizer", "encode", tmp_path / "nothing.json", "text")
    assert r.code == 1 and "no tokenizer.json here" in r.err


OTHER = ["Germany beat France 2-1 in the World Cup qualifier in Berlin.",
         "The Yankees won in extra innings against Boston on Sunday night.",
         "Rain delayed the final round of the open at St Andrews.",
         "The coach praised his defence after a goalless draw away from home."]


def test_compare_in_domain_tokenizer_keeps_tickers_whole(myna, corpus, tmp_path):
    other = tmp_path / "sport.txt"
    other.write_text("\n".join(OTHER * 30) + "\n")
    for name, source in (("news", corpus), ("sport", other)):
        r = myna("tokenizer", "train", source, "--algo", "wordpiece", "--vocab-size", "400",
                 "-o", tmp_path / f"{name}.json")
        assert r.code == 0, r.err
    assert encode(myna, tmp_path / "news.json", "ORCL")["tokens"] == ["ORCL"]
    assert encode(myna, tmp_path / "sport.json", "ORCL")["tokens"] != ["ORCL"]  # [UNK] here
    r = myna("tokenizer", "compare", tmp_path / "news.json", tmp_path / "sport.json", "minilm",
             "--corpus", corpus, "--report", tmp_path / "report")
    assert r.code == 0, r.err
    rows = {row["name"]: row for row in json.loads((tmp_path / "report" /
                                                   "report.json").read_text())}
    assert rows["news"]["fertility"] < rows["sport"]["fertility"]
    assert rows["news"]["whole_words"] > rows["sport"]["whole_words"]
    assert rows["minilm"]["vocab_size"] == 30522 and rows["minilm"]["unknown_rate"] == 0
    assert (tmp_path / "report" / "fertility.png").stat().st_size > 1000
    assert "pieces/word" in (tmp_path / "report" / "report.md").read_text()
