import json

import pytest

from myna.core.errors import InputError
from myna.data import Example, Span, read_examples, write_examples
from myna.data.conll import read_conll

CONLL_BIO = """-DOCSTART- O

EU B-ORG
rejects O
German B-MISC
call O
to O
boycott O
British B-MISC
lamb O
. O

Peter B-PER
Blackburn I-PER
"""

CONLL_IOB1 = """EU I-ORG
rejects O
German I-MISC
call O
to O
boycott O
British I-MISC
lamb O
. O

Peter I-PER
Blackburn I-PER
"""


def spans_of(ex):
    return [(ex.text[s.start:s.end], s.label) for s in ex.spans]


def test_conll_bio_and_iob1_read_the_same(tmp_path):
    (tmp_path / "bio.conll").write_text(CONLL_BIO)
    (tmp_path / "iob1.conll").write_text(CONLL_IOB1)
    bio = list(read_examples(tmp_path / "bio.conll"))
    iob1 = list(read_examples(tmp_path / "iob1.conll"))
    assert [spans_of(e) for e in bio] == [spans_of(e) for e in iob1] == [
        [("EU", "ORG"), ("German", "MISC"), ("British", "MISC")],
        [("Peter Blackburn", "PER")],
    ]
    assert bio[0].text == "EU rejects German call to boycott British lamb ."


def test_iob1_adjacent_entities_of_one_type(tmp_path):
    path = tmp_path / "adj.conll"
    path.write_text("Paris I-LOC\nLondon B-LOC\nand O\nRome I-LOC\n")
    (ex,) = read_conll(path)
    assert spans_of(ex) == [("Paris", "LOC"), ("London", "LOC"), ("Rome", "LOC")]
    out = tmp_path / "out.conll"
    write_examples([ex], out, scheme="iob1")
    assert out.read_text().split("\n")[:2] == ["Paris I-LOC", "London B-LOC"]
    write_examples([ex], out, scheme="bio")
    assert out.read_text().split("\n")[:2] == ["Paris B-LOC", "London B-LOC"]


def test_conll_bilou_and_four_columns(tmp_path):
    path = tmp_path / "b.conll"
    path.write_text("New NNP B-NP B-GPE\nYork NNP I-NP L-GPE\nis VBZ B-VP O\nbig JJ B-ADJP U-X\n")
    (ex,) = read_conll(path)
    assert spans_of(ex) == [("New York", "GPE"), ("big", "X")]


def test_conll_bad_tag_names_the_line(tmp_path):
    path = tmp_path / "bad.conll"
    path.write_text("Paris B-LOC\nis PER\n")
    with pytest.raises(InputError, match=r"bad.conll:2.*'PER'"):
        list(read_conll(path))


TWO_DOCUMENTS = """-DOCSTART- O

Leeds B-ORG
won O
. O

Wright B-PER
scored O
. O

Leeds B-ORG
lead O
. O

-DOCSTART- O

Paris B-LOC
is O
calm O
. O
"""


def test_join_sentences_keeps_spans_and_never_crosses_a_document(tmp_path):
    from myna.data.join_sentences import join_sentences

    (tmp_path / "docs.conll").write_text(TWO_DOCUMENTS)
    sentences = list(read_examples(tmp_path / "docs.conll"))
    pairs = join_sentences(sentences, 2)
    assert [e.text for e in pairs] == ["Leeds won . Wright scored .", "Leeds lead .",
                                      "Paris is calm ."]
    assert spans_of(pairs[0]) == [("Leeds", "ORG"), ("Wright", "PER")]
    assert [(t.i, pairs[0].text[t.start:t.end]) for t in pairs[0].tokens][3:5] == [
        (3, "Wright"), (4, "scored")]
    whole = join_sentences(sentences, 0)
    assert [len(e.spans) for e in whole] == [3, 1]
    assert spans_of(whole[0])[2] == ("Leeds", "ORG") and whole[0].meta["sentences"] == 3
    assert join_sentences(sentences, 1) == sentences
    (tmp_path / "plain.conll").write_text(CONLL_IOB1)  # no -DOCSTART- lines
    assert len(join_sentences(read_examples(tmp_path / "plain.conll"), 5)) == 1
    with pytest.raises(InputError, match="plain.conll.*marks none"):
        join_sentences(read_examples(tmp_path / "plain.conll"), 0, str(tmp_path / "plain.conll"))
    with pytest.raises(InputError, match="categories"):
        join_sentences([Example("Goal!", cats={"Sports": 1.0})] * 2, 2)


def test_conll_round_trip_through_text_tokenised_by_spacy(tmp_path):
    ex = Example(text="Apple Inc.'s CEO visited New York.",
                 spans=[Span(0, 10, "ORG"), Span(25, 33, "GPE")])
    write_examples([ex], tmp_path / "x.conll")
    (back,) = read_examples(tmp_path / "x.conll")
    assert spans_of(back) == [("Apple Inc.", "ORG"), ("New York", "GPE")]


def test_misaligned_span_is_an_error_naming_the_example(tmp_path):
    ex = Example(text="Apple Inc. rose.", spans=[Span(0, 3, "ORG")])
    with pytest.raises(InputError, match="example 1.*'App'"):
        write_examples([ex], tmp_path / "x.conll")
    with pytest.raises(InputError, match="token boundaries"):
        write_examples([ex], tmp_path / "x.spacy")
    assert not (tmp_path / "x.spacy").exists()


def test_docbin_round_trip_keeps_spans_cats_and_tokens(tmp_path):
    exs = [Example(text="Oracle (Nasdaq: ORCL) rose.", spans=[Span(16, 20, "TICKER")],
                   cats={"Business": 1.0, "Sports": 0.0}, meta={"source": "wire"})]
    write_examples(exs, tmp_path / "d.spacy")
    (back,) = read_examples(tmp_path / "d.spacy")
    assert spans_of(back) == [("ORCL", "TICKER")]
    assert back.cats == {"Business": 1.0, "Sports": 0.0}
    assert back.meta["source"] == "wire"
    assert [t.text for t in back.tokens][:3] == ["Oracle", "(", "Nasdaq"]


def test_conll_to_docbin_keeps_the_conll_tokenisation(tmp_path):
    (tmp_path / "a.conll").write_text(CONLL_BIO)
    write_examples(read_examples(tmp_path / "a.conll"), tmp_path / "a.spacy")
    back = list(read_examples(tmp_path / "a.spacy"))
    assert [spans_of(e) for e in back][1] == [("Peter Blackburn", "PER")]
    assert len(back[0].tokens) == 9


def test_prodigy_tasks(tmp_path):
    path = tmp_path / "p.jsonl"
    tasks = [
        {"text": "Oracle (Nasdaq: ORCL) rose.", "spans": [{"start": 16, "end": 20,
         "label": "TICKER"}], "answer": "accept", "_input_hash": 1, "_task_hash": 2},
        {"text": "Goal!", "options": [{"id": "Sports"}, {"id": "World"}], "accept": ["Sports"],
         "answer": "accept"},
        {"text": "Rates rise.", "label": "Business", "answer": "reject"},
    ]
    path.write_text("\n".join(json.dumps(t) for t in tasks))
    a, b, c = read_examples(path)
    assert spans_of(a) == [("ORCL", "TICKER")] and a.meta["answer"] == "accept"
    assert a.meta["_input_hash"] == 1
    assert b.cats == {"Sports": 1.0, "World": 0.0}
    assert c.cats == {"Business": 0.0} and c.meta["answer"] == "reject"
    out = tmp_path / "out.jsonl"
    write_examples([a, b, c], out, fmt="prodigy")
    written = [json.loads(x) for x in out.read_text().splitlines()]
    assert written[1]["accept"] == ["Sports"] and written[1]["options"][1]["id"] == "World"
    assert written[2]["answer"] == "reject"
    again = list(read_examples(out))
    assert [e.cats for e in again] == [a.cats, b.cats, c.cats]
    assert spans_of(again[0]) == spans_of(a)


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet", ".jsonl"])
def test_tables_round_trip(tmp_path, suffix):
    exs = [Example(text="Goal, said the coach.", cats={"Sports": 1.0}),
           Example(text='Quotes "inside"\nand a newline', cats={"World": 1.0})]
    path = tmp_path / f"t{suffix}"
    write_examples(exs, path)
    back = list(read_examples(path, label_column=None if suffix == ".jsonl" else "label"))
    assert [e.text for e in back] == [e.text for e in exs]
    assert [e.cats for e in back] == [{"Sports": 1.0}, {"World": 1.0}]


def test_label_column_becomes_a_category(tmp_path):
    path = tmp_path / "ag.csv"
    path.write_text("class_index,description\n3,Stocks fell.\n2,The Red Sox won.\n")
    exs = list(read_examples(path, text_column="description", label_column="class_index"))
    assert [e.cats for e in exs] == [{"3": 1.0}, {"2": 1.0}]
    assert [e.meta["row"] for e in exs] == [2, 3]


def test_jsonl_errors_name_the_line(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"text": "ok"}\n{"text": "broken"\n')
    with pytest.raises(InputError, match=r"x.jsonl:2: invalid JSON"):
        list(read_examples(path))
    path.write_text('{"text": "ok"}\n{"body": "no text"}\n')
    with pytest.raises(InputError, match=r"x.jsonl:2: no field 'text'"):
        list(read_examples(path))
    path.write_text('{"text": "ok", "spans": [{"start": 0, "end": 99, "label": "X"}]}\n')
    with pytest.raises(InputError, match="outside the text"):
        list(read_examples(path))


def test_csv_with_wrong_field_count_names_the_line(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,text\n1,fine\n2,too,many\n")
    with pytest.raises(InputError, match=r"x.csv:3: expected 2 fields, found 3"):
        list(read_examples(path))


def test_unknown_extension(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_text("")
    with pytest.raises(InputError, match="--format"):
        list(read_examples(path))


def test_skip_bad_rows_goes_on_after_a_bad_row(tmp_path):
    from myna.data.cells import ReadReport

    path = tmp_path / "x.jsonl"
    path.write_text('{"text": "one"}\n{"text": broken\n[1, 2]\n{"text": "four"}\n')
    report = ReadReport()
    got = list(read_examples(path, report=report, skip_bad_rows=True))
    assert [e.text for e in got] == ["one", "four"]
    assert len(report.skipped) == 2 and "x.jsonl:2" in report.skipped[0]
    path = tmp_path / "x.csv"
    path.write_text("id,text\n1,one\n2,two,extra\n3,three\n")
    report = ReadReport()
    got = list(read_examples(path, report=report, skip_bad_rows=True))
    assert [e.text for e in got] == ["one", "three"] and "x.csv:3" in report.skipped[0]
