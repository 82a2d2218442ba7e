import pytest

import myna
from myna.core.errors import InputError
from myna.core.example import Example
from myna.text.features import parse_features
from myna.text.pipelines import load_pipeline

TEXTS = [
    "Apple is looking at buying U.K. startup for $1 billion.",
    "Angela Merkel met Emmanuel Macron in Paris on Monday.",
    "",
    "Shares of Microsoft rose 2% in New York.",
] * 10


def test_only_ner_loads_ner_without_the_shared_tok2vec():
    nlp = load_pipeline(None, parse_features("ner"))
    assert nlp.pipe_names == ["ner"]


def test_only_pos_keeps_the_tok2vec_the_tagger_listens_to():
    nlp = load_pipeline(None, parse_features("pos"))
    assert "tok2vec" in nlp.pipe_names and "tagger" in nlp.pipe_names
    assert "ner" not in nlp.pipe_names and "parser" not in nlp.pipe_names


def test_unknown_feature_is_rejected():
    with pytest.raises(InputError, match="unknown feature"):
        list(myna.analyze("text", only="ner,sentiment"))


def test_results_match_plain_spacy_on_the_full_pipeline():
    full = load_pipeline(None, parse_features(None))
    for ex in myna.analyze(TEXTS[:4], only="ner"):
        expected = [(e.start_char, e.end_char, e.label_) for e in full(ex.text).ents]
        assert [(s.start, s.end, s.label) for s in ex.spans] == expected


def test_analyze_streams_without_reading_everything_first():
    pulled = 0

    def texts():
        nonlocal pulled
        for i in range(10_000):
            pulled += 1
            yield f"Text number {i} mentions Paris."

    results = myna.analyze(texts(), only="ner", batch_size=8)
    first = next(results)
    assert first.spans and first.text.endswith("Paris.")
    assert pulled < 100


def test_empty_and_missing_texts_give_empty_results():
    out = list(myna.analyze(["", None, "   "], only="ner,tokens"))
    assert [ex.spans for ex in out] == [[], [], []]
    assert out[0].tokens == []


def test_non_text_input_is_reported_with_its_position():
    with pytest.raises(InputError, match="text #1"):
        list(myna.analyze(["fine", 42], only="ner"))


def test_example_inputs_keep_their_meta_and_order():
    inputs = [Example(text=t, meta={"id": i}) for i, t in enumerate(TEXTS)]
    out = list(myna.analyze(inputs, only="ner"))
    assert [ex.meta["id"] for ex in out] == list(range(len(TEXTS)))


def test_two_processes_give_the_same_results_as_one():
    one = [[(s.start, s.end, s.label) for s in ex.spans]
           for ex in myna.analyze(TEXTS, only="ner", n_process=1)]
    two = [[(s.start, s.end, s.label) for s in ex.spans]
           for ex in myna.analyze(TEXTS, only="ner", n_process=2, batch_size=4)]
    assert one == two
    assert any(one)


def test_sentences_and_tokens_carry_character_offsets():
    text = "The market fell. Investors sold shares."
    (ex,) = myna.analyze(text, only="sents,tokens")
    assert [ex.span_text(s) for s in ex.sents] == ["The market fell.", "Investors sold shares."]
    assert all(text[t.start:t.end] == t.text for t in ex.tokens)


def test_text_over_the_pipeline_limit_names_its_row():
    nlp = load_pipeline(None, parse_features("ner"))
    long = Example(text="x " * (nlp.max_length // 2 + 1), meta={"row": 7})
    with pytest.raises(InputError, match="row 7.*over the pipeline's limit"):
        list(myna.analyze(["short", long], only="ner"))
