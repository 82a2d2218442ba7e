import json
from collections import Counter

from myna.data import Example, Span, read_examples, train_dev_split


def test_stratified_split_keeps_label_shares_and_rare_labels():
    exs = [Example(text=f"a{i}", cats={"A": 1.0}) for i in range(80)]
    exs += [Example(text=f"b{i}", cats={"B": 1.0}) for i in range(20)]
    exs += [Example(text=f"c{i}", spans=[Span(0, 1, "RARE")]) for i in range(2)]
    train, dev = train_dev_split(exs, dev_fraction=0.25, seed=1)
    assert len(train) + len(dev) == len(exs)
    dev_labels = Counter(next(iter(e.cats), None) or e.spans[0].label for e in dev)
    assert dev_labels == {"A": 20, "B": 5, "RARE": 1}
    assert {e.text for e in train}.isdisjoint(e.text for e in dev)
    again, _ = train_dev_split(exs, dev_fraction=0.25, seed=1)
    assert [e.text for e in again] == [e.text for e in train]


def test_stats_command(myna, tmp_path):
    path = tmp_path / "ag.csv"
    path.write_text("class_index,description\n3,Stocks fell.\n2,The Red Sox won.\n"
                    "3,Stocks fell.\n1,\n")
    r = myna("data", "stats", path, "--text-column", "description", "--label-column",
             "class_index", "--json")
    assert r.code == 0
    stats = json.loads(r.out)
    assert stats["examples"] == 4 and stats["duplicates"] == 1 and stats["empty"] == 1
    assert stats["cat_labels"] == {"3": 2, "2": 1, "1": 1}
    r = myna("data", "stats", path, "--text-column", "description")
    assert r.code == 0 and "duplicate texts" in r.out


def test_convert_and_split_commands(myna, tmp_path):
    src = tmp_path / "a.conll"
    src.write_text("EU B-ORG\nrejects O\n\nPeter B-PER\nBlackburn I-PER\n\n"
                   "Paris B-LOC\n\nBerlin B-LOC\n\n")
    r = myna("data", "convert", src, tmp_path / "a.spacy")
    assert r.code == 0 and "wrote 4" in r.err
    r = myna("data", "split", tmp_path / "a.spacy", "--out-dir", tmp_path / "s", "--dev", "0.5",
             "--to", "jsonl")
    assert r.code == 0
    parts = [list(read_examples(tmp_path / "s" / f"{n}.jsonl")) for n in ("train", "dev")]
    assert sum(map(len, parts)) == 4
    assert any(s.label == "LOC" for e in parts[1] for s in e.spans)
    r = myna("data", "stats", tmp_path / "missing.csv")
    assert r.code == 1 and "no such file" in r.err
