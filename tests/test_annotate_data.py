"""`myna annotate db-in / db-out / stats / list / drop / agreement` and `myna train
--from-dataset`, through the CLI, on the default SQLite store in MYNA_HOME."""

import json

import pytest
import spacy
from spacy.tokens import DocBin

from myna.annotate.database import open_store


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def ner_row(text, *ents, session=None, answer="accept"):
    spans = []
    for word, label in ents:
        start = text.index(word)
        spans.append({"start": start, "end": start + len(word), "label": label})
    row = {"text": text, "spans": spans, "answer": answer}
    if session:
        row["_session_id"] = session
    return row


NER_ROWS = [
    ner_row("Apple (AAPL) rose in New York.", ("Apple", "ORG"), ("AAPL", "TICKER"),
            ("New York", "GPE")),
    ner_row("Tim Cook met investors in London.", ("Tim Cook", "PERSON"), ("London", "GPE")),
    ner_row("Nothing to see here.", answer="reject"),
]


def test_db_in_prodigy_jsonl_then_db_out_every_format(myna, tmp_path):
    src = write_jsonl(tmp_path / "ner.jsonl", NER_ROWS)
    r = myna("annotate", "db-in", "news", src)
    assert r.code == 0, r.err
    assert "3 new text(s)" in r.err and "3 answer(s) stored" in r.err
    assert "labels added: ORG, TICKER, GPE, PERSON" in r.err

    out = tmp_path / "out.jsonl"
    assert myna("annotate", "db-out", "news", out).code == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["meta"]["answer"] for r in rows] == ["accept", "accept", "reject"]
    assert rows[0]["spans"][1] == {"start": 7, "end": 11, "label": "TICKER"}

    prodigy = tmp_path / "out.prodigy.jsonl"
    assert myna("annotate", "db-out", "news", prodigy, "--format", "prodigy").code == 0
    tasks = [json.loads(line) for line in prodigy.read_text().splitlines()]
    assert tasks[2]["answer"] == "reject" and tasks[0]["_session_id"] == "db-in"
    assert tasks[0]["_input_hash"] and tasks[0]["_task_hash"]

    conll = tmp_path / "out.conll"
    assert myna("annotate", "db-out", "news", conll, "--format", "conll").code == 0
    assert "AAPL B-TICKER" in conll.read_text() and "Nothing" not in conll.read_text()

    folder = tmp_path / "corpus"
    r = myna("annotate", "db-out", "news", folder, "--format", "spacy", "--dev", "0.5")
    assert r.code == 0, r.err
    nlp = spacy.blank("en")
    docs = [d for name in ("train", "dev")
            for d in DocBin().from_disk(folder / f"{name}.spacy").get_docs(nlp.vocab)]
    assert sorted((e.text, e.label_) for d in docs for e in d.ents) == sorted(
        [("Apple", "ORG"), ("AAPL", "TICKER"), ("New York", "GPE"), ("Tim Cook", "PERSON"),
         ("London", "GPE")])  # the rejected text is not training data

    r = myna("annotate", "stats", "news")
    assert "3 of 3 text(s) answered" in r.out
    assert "GPE" in r.out
    r = myna("annotate", "list")
    assert "news" in r.out and "ner" in r.out


def test_db_in_plain_csv_texts_need_a_kind_and_are_queued(myna, tmp_path):
    csv = tmp_path / "texts.csv"
    csv.write_text('id,text\n1,"First, with a comma"\n2,Second\n')
    r = myna("annotate", "db-in", "plain", csv)
    assert r.code == 1 and "pass --kind ner|textcat" in r.err
    assert myna("annotate", "list").out.count("plain") == 0  # nothing left behind
    r = myna("annotate", "db-in", "plain", csv, "--kind", "textcat", "--label", "A,B")
    assert r.code == 0 and "2 new text(s)" in r.err and "0 answer(s)" in r.err
    store = open_store()
    ds = store.dataset("plain")
    assert ds.labels == ["A", "B"]
    assert store.next_example(ds, "s", True).text == "First, with a comma"


def test_bad_rows_name_file_and_line_and_write_nothing(myna, tmp_path):
    good = NER_ROWS[0]
    src = tmp_path / "bad.jsonl"
    src.write_text(json.dumps(good) + "\n{not json\n" + json.dumps(NER_ROWS[1]) + "\n")
    r = myna("annotate", "db-in", "news", src)
    assert r.code == 1 and f"{src}:2" in r.err
    assert "news" not in myna("annotate", "list").out
    r = myna("annotate", "db-in", "news", src, "--skip-invalid")
    assert r.code == 0 and "1 invalid row(s) skipped" in r.err and "2 new text(s)" in r.err

    misaligned = write_jsonl(tmp_path / "mis.jsonl", [
        {"text": "Apple rose.", "spans": [{"start": 0, "end": 3, "label": "ORG"}]}])
    r = myna("annotate", "db-in", "news", misaligned)
    assert r.code == 1 and "does not fall on token boundaries" in r.err and ":1" in r.err

    unknown = write_jsonl(tmp_path / "unk.jsonl", [
        {"text": "Apple rose.", "spans": [{"start": 0, "end": 5, "label": "COMPANY"}]}])
    r = myna("annotate", "db-in", "news", unknown)
    assert r.code == 1 and "unknown label 'COMPANY'" in r.err
    r = myna("annotate", "db-in", "news", unknown, "--label", "COMPANY")
    assert r.code == 0

    cats = write_jsonl(tmp_path / "cats.jsonl", [{"text": "Goal!", "cats": {"Sports": 1.0}}])
    r = myna("annotate", "db-in", "news", cats)
    assert r.code == 1 and "categories in a row of an NER dataset" in r.err
    assert open_store().counts(open_store().dataset("news"))["examples"] == 3


def test_a_recipe_refuses_a_dataset_of_another_shape(myna, tmp_path):
    write_jsonl(tmp_path / "a.jsonl", NER_ROWS[:1])
    assert myna("annotate", "db-in", "news", tmp_path / "a.jsonl").code == 0
    r = myna("annotate", "textcat.manual", "news", tmp_path / "a.jsonl", "--label", "A,B")
    assert r.code == 1 and "holds ner annotations, not textcat" in r.err
    r = myna("annotate", "textcat.manual", "new_one", "--label", "A,B")
    assert r.code == 1 and "give a SOURCE file" in r.err
    assert "new_one" not in myna("annotate", "list").out


def test_unreachable_database_url(myna, tmp_path):
    r = myna("annotate", "list", "--db", "postgresql://nobody@127.0.0.1:1/none")
    assert r.code == 1 and "cannot reach the annotation database" in r.err


def test_drop_asks_unless_yes(myna, tmp_path):
    write_jsonl(tmp_path / "a.jsonl", NER_ROWS[:1])
    myna("annotate", "db-in", "news", tmp_path / "a.jsonl")
    assert myna("annotate", "drop", "news", stdin="n\n").code == 1
    assert "news" in myna("annotate", "list").out
    assert myna("annotate", "drop", "news", "--yes").code == 0
    assert "news" not in myna("annotate", "list").out
    assert "no dataset named 'news'" in myna("annotate", "drop", "news", "-y").err


def test_agreement_kappa_and_span_f1(myna, tmp_path):
    labels = ["Sports", "Business", "Sports", "Business", "Sports", "Sports"]
    other = ["Sports", "Business", "Business", "Business", "Sports", "Business"]
    rows = []
    for session, chosen in (("ann1", labels), ("ann2", other)):
        for i, lab in enumerate(chosen):
            rows.append({"text": f"text {i}", "cats": {"Sports": float(lab == "Sports"),
                                                      "Business": float(lab == "Business")},
                         "answer": "accept", "_session_id": session})
    write_jsonl(tmp_path / "tc.jsonl", rows)
    assert myna("annotate", "db-in", "tc", tmp_path / "tc.jsonl").code == 0
    r = myna("annotate", "agreement", "tc")
    # observed agreement 4/6; chance (4/6*2/6 + 2/6*4/6) = 4/9; kappa = (2/3-4/9)/(5/9) = 0.4
    assert r.code == 0 and "0.400" in r.out and "ann1" in r.out and "ann2" in r.out

    ner = [ner_row("Apple and Google in Paris.", ("Apple", "ORG"), ("Google", "ORG"),
                   ("Paris", "GPE"), session="ann1"),
           ner_row("Apple and Google in Paris.", ("Apple", "ORG"), ("Paris", "ORG"),
                   session="ann2")]
    write_jsonl(tmp_path / "ner.jsonl", ner)
    assert myna("annotate", "db-in", "ents", tmp_path / "ner.jsonl").code == 0
    r = myna("annotate", "agreement", "ents")
    assert "span F1" in r.out and "0.400" in r.out  # 2*1 / (3+2)
    r = myna("annotate", "agreement", "ents", "tc")
    assert r.code == 1 and "different kinds" in r.err


@pytest.mark.slow  # trains a model
def test_train_from_dataset(myna, tmp_path):
    sport = ["The team won the match", "A striker scored twice", "Fans cheered the goal"]
    business = ["Shares fell on the market", "The bank raised rates", "Profits rose sharply"]
    rows = [{"text": f"{t} on day {i}.", "cats": {"Sports": float(lab == "Sports"),
                                                   "Business": float(lab == "Business")},
             "answer": "accept"}
            for i in range(12) for lab, texts in (("Sports", sport), ("Business", business))
            for t in texts[i % 3: i % 3 + 1]]
    write_jsonl(tmp_path / "tc.jsonl", rows)
    assert myna("annotate", "db-in", "tc", tmp_path / "tc.jsonl").code == 0
    r = myna("train", "textcat", "--from-dataset", "tc", "-o", tmp_path / "model",
             "--epochs", "3")
    assert r.code == 0, r.err
    nlp = spacy.load(tmp_path / "model" / "model-best")
    assert sorted(nlp.get_pipe("textcat").labels) == ["Business", "Sports"]
    # db-out's DocBin folder is a training source as it is
    assert myna("annotate", "db-out", "tc", tmp_path / "corpus", "--format", "spacy").code == 0
    r = myna("train", "textcat", tmp_path / "corpus" / "train.spacy", "--dev",
             tmp_path / "corpus" / "dev.spacy", "-o", tmp_path / "m1", "--epochs", "1")
    assert r.code == 0, r.err
    r = myna("train", "ner", "--from-dataset", "tc", "-o", tmp_path / "m2")
    assert r.code == 1 and "holds textcat annotations" in r.err
    r = myna("train", "ner", "-o", tmp_path / "m3")
    assert r.code == 2 and "--from-dataset" in r.err


@pytest.mark.parametrize("fmt", ["spacy", "conll"])
def test_db_out_refuses_what_it_cannot_write(myna, tmp_path, fmt):
    write_jsonl(tmp_path / "tc.jsonl", [{"text": "Goal!", "cats": {"Sports": 1.0}}])
    myna("annotate", "db-in", "tc", tmp_path / "tc.jsonl")
    target = tmp_path / ("x.spacy" if fmt == "spacy" else "x.conll")
    r = myna("annotate", "db-out", "tc", target, "--format", fmt)
    assert r.code == 1
    assert ("give a folder path" if fmt == "spacy" else "text-classification") in r.err
