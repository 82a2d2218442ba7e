"""Each page of `myna app` through Streamlit's AppTest: widgets, selections, what is shown, and
readable messages for bad data and models. Real pipelines, a real MLflow registry."""

import json
from pathlib import Path

import pytest
from app_fixtures import (
    registered_classifier,
    small_index,
    ticker_pipeline,
    write_news_csv,
)
from streamlit.testing.v1 import AppTest

import myna.app
from myna.app.settings import AppSettings

SCRIPT = str(Path(myna.app.__file__).parent / "main.py")  # the installed app


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    root = tmp_path_factory.mktemp("app")
    return {"csv": write_news_csv(root / "news.csv"),
            "ticker": ticker_pipeline(root / "ticker-model")}


def start(monkeypatch, **options) -> AppTest:
    for key in ("MYNA_APP_DATA", "MYNA_APP_LABEL_COLUMN", "MYNA_APP_TITLE_COLUMN",
                "MYNA_APP_KB"):
        monkeypatch.delenv(key, raising=False)  # settings of an earlier start in this test
    for key, value in AppSettings(**options).to_env().items():
        monkeypatch.setenv(key, value)
    at = AppTest.from_file(SCRIPT, default_timeout=180).run()
    assert not at.exception, at.exception
    return at


def page(at: AppTest, name: str) -> AppTest:
    at.sidebar.radio(key="page").set_value(name).run()
    assert not at.exception, at.exception
    return at


def test_explorer_filters_by_category_and_shows_the_article(monkeypatch, shared):
    at = start(monkeypatch, data=str(shared["csv"]), text_column="description",
               label_column="category", title_column="title")
    assert at.sidebar.selectbox(key="category").options == ["All categories", "Business",
                                                            "Sports"]
    at.sidebar.selectbox(key="category").set_value("Sports").run()
    at.sidebar.number_input(key="article").set_value(3).run()
    subheaders = [h.value for h in at.subheader]
    assert "Article 3 · Sports" in subheaders and "Sports: 20 rows" in subheaders
    assert "**Sports story 6**" in [m.value for m in at.markdown]  # 3rd Sports row
    table = at.dataframe[0].value
    assert len(table) == 20 and set(table["category"]) == {"Sports"}
    at.multiselect(key="views").set_value(["Single article"]).run()
    assert len(at.dataframe) == 0


def test_explorer_shows_dataset_text_as_text_and_cuts_huge_cells(monkeypatch, tmp_path):
    """A news text with Markdown must not make the viewer's browser fetch an image, and a
    200,000-character cell is not sent whole."""
    import csv

    lure = "![tracker](http://127.0.0.1:9/pixel.png) **loud** <b>tag</b>"
    src = tmp_path / "news.csv"
    with open(src, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["title", "description", "category"])
        w.writerow([lure, lure, "Business"])
        w.writerow(["Huge", "x" * 200_000, "Business"])
    at = start(monkeypatch, data=str(src), text_column="description",
               label_column="category", title_column="title")
    assert at.text[0].value == lure  # as text, not Markdown
    markdown = " ".join(m.value for m in at.markdown)
    assert "![tracker](" not in markdown and "\\!\\[tracker\\]" in markdown
    table = at.dataframe[0].value
    assert table["description"].map(len).max() <= 301
    at.sidebar.number_input(key="article").set_value(2).run()
    assert len(at.text[0].value) == 20_000
    assert "180,000 more characters not shown" in [c.value for c in at.caption][0]


def test_explorer_pages_a_large_table(monkeypatch, tmp_path):
    big = write_news_csv(tmp_path / "big.csv", rows=120_000)
    at = start(monkeypatch, data=str(big), text_column="description", label_column="category")
    assert len(at.dataframe[0].value) == 50
    at.number_input(key="table-page").set_value(2400).run()
    assert "rows 119,951-120,000 of 120,000" in [c.value for c in at.caption]
    at.sidebar.number_input(key="article").set_value(100_000).run()
    # a category with fewer rows: the page and the article number are kept within it
    at.sidebar.selectbox(key="category").set_value("Sports").run()
    assert not at.exception
    assert "rows 59,951-60,000 of 60,000" in [c.value for c in at.caption]
    assert at.sidebar.number_input(key="article").value == 60_000


def test_ner_base_vs_custom_with_filters_and_differences(monkeypatch, shared):
    at = start(monkeypatch, data=str(shared["csv"]), text_column="description",
               label_column="category", models=["en_core_web_sm", str(shared["ticker"])])
    page(at, "NER: base vs custom")
    at.radio(key="ner-source").set_value("Custom text").run()
    at.text_area(key="ner-text").input("Oracle (Nasdaq: ORCL) hired Jane Smith in London.").run()
    base, custom = (df.value for df in at.dataframe[:2])
    assert ("London", "GPE") in set(zip(base["text"], base["label"], strict=True))
    assert list(zip(custom["text"], custom["label"], strict=True)) == [("ORCL", "TICKER")]
    # displaCy marks what only one model found with a starred label
    assert "TICKER*" in at.html[1].value and "GPE*" in at.html[0].value
    differences = at.dataframe[2].value
    assert ("custom only", "ORCL", "TICKER") in set(
        zip(differences["model"], differences["text"], differences["label"], strict=True))
    # a label filter on the base model
    labels = at.multiselect(key="ner-labels-0-en_core_web_sm")
    labels.set_value(["GPE"]).run()
    assert set(at.dataframe[0].value["label"]) == {"GPE"}


def test_classification_and_models_pages_use_the_registry(monkeypatch, shared, tmp_path):
    uri = registered_classifier(tmp_path)
    at = start(monkeypatch, data=str(shared["csv"]), text_column="description",
               label_column="category", models=["en_core_web_sm", uri])
    page(at, "Text classification")
    assert at.selectbox(key="textcat-model").value == uri
    at.radio(key="textcat-source").set_value("Custom text").run()
    at.text_area(key="textcat-text").input("A striker scored twice in the final.").run()
    assert any(m.value.startswith("### Prediction: Sports, Confidence: ")
               for m in at.markdown)
    probs = at.dataframe[0].value
    assert list(probs["label"]) [0] == "Sports" and abs(probs["probability"].sum() - 1) < 1e-3
    at.selectbox(key="textcat-model").set_value("en_core_web_sm").run()
    assert "has no text classifier" in at.error[0].value

    page(at, "Models")
    assert list(at.dataframe[0].value["name"]) == ["news-cat"]
    assert "production→v1" in at.dataframe[0].value["aliases"][0]
    columns = list(at.dataframe[1].value.columns)
    assert "cats_macro_f" in columns and not any("_per_type." in c for c in columns)
    assert "Per-label F1, news-cat v1" in [h.value for h in at.subheader]


def test_analysis_page(monkeypatch, tmp_path):
    kb = tmp_path / "kb.jsonl"
    kb.write_text(json.dumps({"id": "AAPL", "name": "Apple Inc.", "aliases": ["Apple"],
                              "type": "ORG", "description": "Technology company"}) + "\n")
    at = start(monkeypatch, kb=str(kb))
    page(at, "Analysis")
    at.text_area(key="analysis-text").input("Apple is buying a startup in London. "
                                            "It pays one billion dollars.").run()
    tokens = at.dataframe[0].value
    assert list(tokens["text"][:3]) == ["Apple", "is", "buying"]
    assert list(tokens["lemma"][:3]) == ["Apple", "be", "buy"]
    assert {"Tokens", "Dependencies", "Noun chunks", "Sentences", "Entities"} <= {
        h.value for h in at.subheader}
    entities = at.dataframe[1].value
    assert ("Apple", "AAPL") in set(zip(entities["text"], entities["kb_id"], strict=True))


def test_bad_inputs_show_messages_and_the_app_keeps_running(monkeypatch, tmp_path, shared):
    at = start(monkeypatch, data=str(shared["csv"]), text_column="body")
    assert "no text column 'body'" in at.sidebar.error[0].value
    assert "description" in at.error[0].value  # the columns there are named

    empty = tmp_path / "empty.csv"
    empty.write_text("")
    at = start(monkeypatch, data=str(empty))
    assert "the file is empty" in at.error[0].value

    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.cfg").write_text("[nlp\n")
    at = start(monkeypatch, models=["models:/nothing@production", str(broken),
                                    "en_core_web_sm"], max_chars=1000)
    page(at, "NER: base vs custom")
    errors = [e.value for e in at.error]
    assert "cannot be loaded" in errors[0] and "nothing" in errors[0]
    assert "broken-model" in errors[1] and "cannot be loaded" in errors[1]
    page(at, "Analysis")
    at.selectbox(key="analysis-model").set_value("en_core_web_sm").run()
    at.text_area(key="analysis-text").input("x" * 1_000_001).run()
    assert "1,000,001 characters" in at.error[0].value
    at.text_area(key="analysis-text").input("Still working.").run()  # the app goes on
    assert not at.error, [e.value for e in at.error]
    assert list(at.dataframe[0].value["text"]) == ["Still", "working", "."]


def test_annotation_progress_page(monkeypatch, tmp_path, myna):
    rows = [{"text": f"text {i}", "cats": {"A": float(i % 2), "B": float(1 - i % 2)},
             "answer": "accept", "_session_id": "ann1" if i < 3 else "ann2"} for i in range(5)]
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert myna("annotate", "db-in", "topics", tmp_path / "a.jsonl").code == 0
    at = page(start(monkeypatch), "Annotation progress")
    overview = at.dataframe[0].value
    assert list(overview["dataset"]) == ["topics"] and list(overview["answers"]) == [5]
    sessions = at.dataframe[1].value
    assert dict(zip(sessions["session"], sessions["accept"], strict=True)) == {"ann1": 3,
                                                                               "ann2": 2}


def test_pipelines_page_runs_any_task_with_its_inputs_and_parameters(monkeypatch, tmp_path):
    from hf_tiny import build

    qa = str(build("qa", tmp_path / "qa"))
    at = start(monkeypatch, models=[qa])
    page(at, "Pipelines")
    at.selectbox(key="pipelines-task").set_value("zero-shot-classification").run()
    at.selectbox(key="pipelines-model").set_value("default:sentence-transformers").run()
    assert not at.exception, at.exception
    at.text_area(key="pipelines-zero-shot-classification-text").input(
        "The striker scored twice and the team won the final.").run()
    at.text_input(key="pipelines-zero-shot-classification-labels").input("Sports,Business").run()
    assert not at.exception, at.exception
    scores = at.dataframe[0].value
    assert list(scores["label"]) == ["Sports", "Business"]  # best first
    assert at.subheader[0].value.startswith("Sports")
    at.selectbox(key="pipelines-task").set_value("question-answering").run()
    at.selectbox(key="pipelines-model").set_value(qa).run()
    assert not at.exception, at.exception
    context = "Natural language processing (NLP) is a field of computer science."
    assert at.text_area(key="pipelines-question-answering-context").value == context
    answers = at.dataframe[0].value
    best = answers.iloc[0]
    assert context[best["start"]:best["end"]] == best["answer"]
    assert any("<mark>" in m.value for m in at.markdown)


def test_search_page_filters_and_highlights(monkeypatch, tmp_path, myna):
    index = small_index(tmp_path, myna)
    at = start(monkeypatch, models=[str(index)])
    page(at, "Search")
    at.text_input(key="search-query").input("football striker").run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert table["id"][0] == "b" and list(table["category"][:2]) == ["Sports", "Sports"]
    assert any("<mark>football</mark>" in m.value for m in at.markdown)
    at.text_input(key="search-filter-category").input("Business").run()
    assert list(at.dataframe[0].value["id"]) == ["a"]  # filtered during the search
    at.text_input(key="search-filter-category").input("Weather").run()
    assert any("No entry matches" in w.value for w in at.warning)


def test_monitoring_page_checks_the_dataset_against_the_models_profile(monkeypatch, tmp_path,
                                                                     textcat_pipeline):
    import shutil

    from news_stream import PARTS, news, write_csv

    from myna.models import load
    from myna.monitor.profile import build_profile

    model = tmp_path / "model"
    shutil.copytree(textcat_pipeline, model)
    build_profile(load(str(model)), news(400, seed=1), "news").save(model / "reference_profile")
    data = write_csv(tmp_path / "sports.csv", news(120, seed=2, topics=("Sports",)))
    at = page(start(monkeypatch, data=str(data), models=[str(model)]), "Monitoring")
    at.button(key="monitor-run").click().run()
    assert not at.exception, at.exception
    assert any("Drift: 120 texts" in e.value for e in at.error)
    findings = at.dataframe[0].value
    assert "predicted labels (PSI)" in list(findings["name"])
    words = list(at.dataframe[1].value["word"])
    sports = {w for part in PARTS["Sports"] for phrase in part for w in phrase.lower().split()}
    assert len(words) >= 3 and set(words[:3]) <= sports
    at.text_input(key="monitor-url").set_value("file:///etc/passwd").run()
    assert any("http://" in e.value for e in at.error)
