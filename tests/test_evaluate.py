"""`myna evaluate` on models trained here, scored by spaCy and cross-checked with seqeval."""

import json

import pytest
import spacy

from myna.core.errors import InputError
from myna.evaluate.scoring import evaluate
from myna.train.runner import TrainSpec, train

CONLL = """Angela B-PER
Merkel I-PER
visited O
Paris B-LOC
. O

Shares O
of O
Siemens B-ORG
rose O
in O
Berlin B-LOC
. O

Emmanuel B-PER
Macron I-PER
met O
Siemens B-ORG
bosses O
. O

"""


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("evaluate")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MYNA_HOME", str(root / "home"))
        conll = root / "train.conll"
        conll.write_text(CONLL * 15)
        ner = train(TrainSpec(task="ner", source=conll, output=root / "ner", epochs=6,
                              profile=False))
        csv_path = root / "tc.csv"
        rows = ["text,label"] + [f"The striker scored goal number {i}.,Sports" for i in range(30)]
        rows += [f"The bank raised its rates by {i} points.,Business" for i in range(30)]
        csv_path.write_text("\n".join(rows) + "\n")
        tc = train(TrainSpec(task="textcat", source=csv_path, output=root / "tc",
                             label_column="label", epochs=4, profile=False))
    return {"root": root, "conll": conll, "ner": ner, "csv": csv_path, "tc": tc}


def test_ner_scores_agree_with_seqeval_on_conll(trained):
    report = evaluate(str(trained["ner"].model), trained["conll"])
    assert report.task == "ner" and report.examples == 45
    assert set(report.per_label) == {"PER", "LOC", "ORG"}
    assert report.per_label["PER"]["support"] == 30
    assert report.micro["f"] > 0  # some hits and some misses: a real comparison
    assert report.seqeval_f1 == pytest.approx(report.micro["f"], abs=1e-9)


def test_textcat_report_with_plots(trained, myna, tmp_path):
    model = trained["tc"].model
    r = myna("evaluate", model, trained["csv"], "--label-column", "label", "--report",
             tmp_path / "rep", "--json", tmp_path / "scores.json")
    assert r.code == 0, r.err
    assert "accuracy" in r.out and "macro avg" in r.out
    scores = json.loads((tmp_path / "scores.json").read_text())
    assert sum(map(sum, scores["confusion"])) == 60
    assert scores["accuracy"] > 0.9
    for name in ("f1.png", "confusion.png", "learning_curve.png"):
        assert (tmp_path / "rep" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (tmp_path / "rep" / "report.md").read_text()
    assert "| Business |" in md and "![Confusion matrix](confusion.png)" in md


def test_worst_errors_are_the_confident_mistakes(trained, tmp_path):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("text,label\nThe striker scored goal number 3.,Business\n"
                     "The bank raised its rates by 2 points.,Business\n")
    report = evaluate(str(trained["tc"].model), wrong, label_column="label")
    assert [e["text"] for e in report.errors] == ["The striker scored goal number 3."]
    assert report.errors[0]["predicted"] == "Sports"


def test_evaluate_rejects_what_it_cannot_score(trained, tmp_path):
    unlabelled = tmp_path / "plain.jsonl"
    unlabelled.write_text('{"text": "No labels here."}\n')
    with pytest.raises(InputError, match="neither entity spans nor categories"):
        evaluate(str(trained["ner"].model), unlabelled)
    blank = tmp_path / "blank"
    spacy.blank("en").to_disk(blank)
    with pytest.raises(InputError, match="no 'ner' component"):
        evaluate(str(blank), trained["conll"])


def test_compare_base_and_custom_on_shared_labels(trained, myna, tmp_path):
    from myna.evaluate.compare import compare

    result = compare("en_core_web_sm", str(trained["ner"].model), trained["conll"])
    assert result.shared == ["LOC", "ORG"]  # OntoNotes labels: people are PERSON, not PER
    rows = {r["label"]: r for r in result.rows}
    assert rows["PER"]["base_f"] is None and rows["PER"]["custom_f"] is not None
    assert rows["ORG"]["delta"] == pytest.approx(rows["ORG"]["custom_f"] - rows["ORG"]["base_f"])
    assert result.disagreements and all(d["base"] != d["custom"] for d in result.disagreements)

    r = myna("compare", "en_core_web_sm", trained["ner"].model, trained["conll"],
             "--html", tmp_path / "diff.html", "--sample", "3")
    assert r.code == 0, r.err
    assert "shared label" in r.out and "3 sampled disagreement(s)" in r.out
    page = (tmp_path / "diff.html").read_text()
    assert "#1 base" in page and "#1 custom" in page


def test_label_map_scores_a_pretrained_pipeline_on_conll_labels(trained, myna):
    from myna.evaluate.compare import compare
    from myna.evaluate.labelmap import parse_label_map

    mapping = parse_label_map("ontonotes-conll")
    report = evaluate("en_core_web_sm", trained["conll"], label_map=mapping)
    assert report.per_label["PER"]["f"] > 0.9  # Angela Merkel, Emmanuel Macron as PERSON
    assert report.unknown_labels == []
    result = compare("en_core_web_sm", str(trained["ner"].model), trained["conll"],
                     label_map=mapping)
    assert result.shared == ["LOC", "ORG", "PER"]
    r = myna("evaluate", "en_core_web_sm", trained["conll"], "--label-map",
             "PERSON=PER,GPE=,LOC=,ORG=")
    assert r.code == 0, r.err
    assert "PER " in r.out and "does not know the label(s) LOC, ORG" in r.err
    r = myna("evaluate", "en_core_web_sm", trained["conll"], "--label-map", "PERSON")
    assert r.code == 1 and "not FROM=TO" in r.err
