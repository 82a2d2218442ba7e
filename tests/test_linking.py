import pytest

import myna
from myna.core.errors import InputError
from myna.text.aliases import company_aliases, normalise
from myna.text.kb import KBEntry, KnowledgeBase, build_from_csv
from myna.text.linker import EntityLinker

COMPANIES = """Symbol,Security,GICS Sector,Headquarters Location
AAPL,Apple Inc.,Information Technology,"Cupertino, California"
MSFT,Microsoft Corporation,Information Technology,"Redmond, Washington"
AMZN,"Amazon.com, Inc.",Consumer Discretionary,"Seattle, Washington"
GOOGL,Alphabet Inc. (Class A),Communication Services,"Mountain View, California"
GOOG,Alphabet Inc. (Class C),Communication Services,"Mountain View, California"
F,Ford Motor Company,Consumer Discretionary,"Dearborn, Michigan"
"""


@pytest.fixture
def kb_csv(tmp_path):
    path = tmp_path / "sp.csv"
    path.write_text(COMPANIES)
    return path


@pytest.fixture
def kb(kb_csv):
    return build_from_csv(kb_csv, "Symbol", "Security",
                          desc_cols=["GICS Sector", "Headquarters Location"])[0]


def test_aliases_for_company_names():
    assert company_aliases("Apple Inc.") == ["Apple Inc.", "Apple"]
    assert "Amazon" in company_aliases("Amazon.com, Inc.")
    assert "Ford Motor" in company_aliases("Ford Motor Company")
    assert normalise("The Home Depot") == normalise("Home Depot")
    assert normalise("Apple's") == "apple" and normalise("The Boeing Co.") == "boeing co"


def test_build_merges_share_classes_and_generates_aliases(kb_csv):
    kb, merged = build_from_csv(kb_csv, "Symbol", "Security")
    assert merged == 1 and "GOOG" not in kb.entries
    assert kb.entries["GOOGL"].aliases == ["Alphabet"]
    assert [e.id for e in kb.candidates("Apple")] == ["AAPL"]


def test_build_reports_missing_columns(kb_csv):
    with pytest.raises(InputError, match="'Ticker'.*Symbol"):
        build_from_csv(kb_csv, "Ticker", "Security")


def test_kb_file_round_trip_and_errors(kb, tmp_path):
    for name in ("kb.jsonl", "kb.csv"):
        kb.save(tmp_path / name)
        again = KnowledgeBase.from_file(tmp_path / name)
        assert again.entries["AMZN"].aliases == kb.entries["AMZN"].aliases
    (tmp_path / "bad.csv").write_text("id,name\nX,\n")
    with pytest.raises(InputError, match="bad.csv:2"):
        KnowledgeBase.from_file(tmp_path / "bad.csv")
    (tmp_path / "dup.jsonl").write_text('{"id": "A", "name": "a"}\n{"id": "A", "name": "b"}\n')
    with pytest.raises(InputError, match="duplicate id 'A'"):
        KnowledgeBase.from_file(tmp_path / "dup.jsonl")


def linked(examples):
    return [[(ex.text[s.start:s.end], s.kb_id) for s in ex.spans if s.label == "ORG"]
            for ex in examples]


def test_links_companies_in_context(kb):
    texts = ["Apple unveiled a new iPhone at its Cupertino headquarters.",
             "Shares of Microsoft rose after the software maker beat estimates.",
             "Amazon.com said holiday sales at its online store were strong."]
    out = list(myna.analyze(texts, only="ner,sents", link=EntityLinker(kb)))
    assert linked(out) == [[("Apple", "AAPL")], [("Microsoft", "MSFT")],
                           [("Amazon.com", "AMZN")]]
    assert all(s.score >= 0.6 for ex in out for s in ex.spans if s.kb_id)


def test_unknown_and_wrongly_typed_mentions_get_no_id(kb):
    out = list(myna.analyze(["Harrison Ford starred in the film with IBM engineers."],
                            only="ner", link=EntityLinker(kb)))
    assert all(s.kb_id is None for s in out[0].spans)


def test_ambiguous_alias_is_resolved_by_context_or_left_unlinked():
    kb = KnowledgeBase([
        KBEntry("JAG-CARS", "Jaguar Cars", ["Jaguar"], "ORG",
                "British maker of luxury cars and electric sports vehicles"),
        KBEntry("JAG-BAND", "Jaguar Band", ["Jaguar"], "ORG",
                "Heavy metal music band that tours and records albums"),
    ])
    linker = EntityLinker(kb)
    text = "Jaguar unveiled an electric sports car at the motor show."
    ex = myna.Example(text=text, spans=[myna.Span(0, 6, "ORG")])
    (out,) = linker.link([ex])
    assert out.spans[0].kb_id == "JAG-CARS"
    strict = EntityLinker(kb, margin=1.0)
    (out,) = strict.link([myna.Example(text=text, spans=[myna.Span(0, 6, "ORG")])])
    assert out.spans[0].kb_id is None


def test_threshold_controls_alias_links(kb):
    ex = myna.Example(text="Apple cut prices.", spans=[myna.Span(0, 5, "ORG")])
    (out,) = EntityLinker(kb, threshold=0.99).link([ex])
    assert out.spans[0].kb_id is None


def test_cli_build_and_link(myna, kb_csv, tmp_path):
    kb_path = tmp_path / "kb.jsonl"
    r = myna("kb", "build", "--from-csv", kb_csv, "--id-col", "Symbol", "--name-col",
             "Security", "--desc-cols", "GICS Sector,Headquarters Location", "--out", kb_path)
    assert r.code == 0 and "1 share-class duplicate(s) merged" in r.err
    r = myna("kb", "show", kb_path, "Alphabet's")
    assert r.code == 0 and "GOOGL" in r.out
    out = tmp_path / "linked.jsonl"
    r = myna("analyze", "Microsoft released Windows updates in Redmond.", "--link", kb_path,
             "--out", out)
    assert r.code == 0, r.err
    assert '"kb_id": "MSFT"' in out.read_text()
    r = myna("kb", "build", "--from-csv", kb_csv, "--id-col", "Nope", "--name-col", "Security",
             "--out", kb_path)
    assert r.code == 1 and "'Nope'" in r.err


def test_ticker_ids_as_aliases(kb_csv):
    kb, _ = build_from_csv(kb_csv, "Symbol", "Security", id_as_alias=True)
    assert [e.id for e in kb.candidates("MSFT")] == ["MSFT"]
    assert kb.candidates("F") == []  # one-letter ids are too ambiguous to match
