"""The quality options of `myna train` (issue 20): word shapes beside an uncased encoder, valid
BIO decoding, weight averaging, escape repair; each recorded in the run."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
import spacy

pytestmark = pytest.mark.slow

NAMES = ["apple", "amazon", "shell", "target", "oracle"]
FILLERS = ["the", "report", "said", "that", "on", "monday", "prices", "rose", "fell", "again",
           "near", "a", "market"]


def casing_rows(n: int, seed: int):
    """Texts where a name is an ORG only when capitalised: the tiny tokenizer lowercases
    everything, so only the words' shapes tell the two apart."""
    rng = random.Random(seed)
    for _ in range(n):
        left = [rng.choice(FILLERS) for _ in range(rng.randint(1, 4))]
        right = [rng.choice(FILLERS) for _ in range(rng.randint(1, 4))]
        name = rng.choice(NAMES)
        org = rng.random() < 0.5
        word = name.capitalize() if org else name
        text = " ".join([*left, word, *right])
        start = len(" ".join(left)) + 1
        spans = [{"start": start, "end": start + len(word), "label": "ORG"}] if org else []
        yield {"text": text, "spans": spans}


@pytest.fixture
def casing_data(tmp_path):
    from conftest import build_tiny_bert

    base = build_tiny_bert(tmp_path / "tiny-bert", NAMES + FILLERS, hidden=16)
    train, test = tmp_path / "casing.jsonl", tmp_path / "casing_test.jsonl"
    train.write_text("".join(json.dumps(r) + "\n" for r in casing_rows(160, 1)))
    test.write_text("".join(json.dumps(r) + "\n" for r in casing_rows(80, 2)))
    return base, train, test


def _entity_f1(model_dir, test_file) -> float:
    from myna.evaluate.scoring import evaluate

    return evaluate(str(model_dir), test_file).micro["f"]


def test_word_shapes_or_spacy_features_let_an_uncased_encoder_see_capitals(tmp_path, myna,
                                                                             casing_data):
    base, train, test = casing_data
    common = ["--base", f"transformer:{base}", "--epochs", "12", "--batch-size", "8",
              "--learn-rate", "0.003", "--no-profile"]
    r = myna("train", "ner", train, "-o", tmp_path / "plain", *common)
    assert r.code == 0, r.err
    r = myna("train", "ner", train, "-o", tmp_path / "shaped", *common, "--word-shapes", "8",
             "--decode", "viterbi", "--average-last", "3")
    assert r.code == 0, r.err
    r = myna("train", "ner", train, "-o", tmp_path / "featured", *common,
             "--spacy-features", "en_core_web_sm", "--spacy-annotations", "ents,tags")
    assert r.code == 0, r.err
    plain = _entity_f1(tmp_path / "plain" / "model-best", test)
    shaped = _entity_f1(tmp_path / "shaped" / "model-best", test)
    featured = _entity_f1(tmp_path / "featured" / "model-best", test)
    assert shaped > 0.95 and featured > 0.95 and plain < 0.8, (plain, shaped, featured)

    nlp = spacy.load(tmp_path / "shaped" / "model-best")
    assert nlp.get_pipe("ner").decode == "viterbi"
    doc = nlp("prices rose near Apple on monday but apple fell")
    assert [(e.text, e.label_) for e in doc.ents] == [("Apple", "ORG")]
    hf = tmp_path / "shaped" / "model-best" / "ner" / "hf"
    assert (hf / "word_shapes.json").is_file() and (hf / "config.json").is_file()

    settings = json.loads((tmp_path / "shaped" / "train_config.json").read_text())
    assert settings["word_shapes"] == 8 and settings["decode"] == "viterbi"
    assert "last 3 evaluations" in settings["selected"]
    # the spaCy recognizer's CNN travels inside the saved model
    featured_hf = tmp_path / "featured" / "model-best" / "ner" / "hf"
    assert (featured_hf / "spacy_features" / "config.cfg").is_file()
    nlp = spacy.load(tmp_path / "featured" / "model-best")
    features = nlp.get_pipe("ner").features  # 64 CNN features + its entity and POS tags
    assert features.annotations == ("ents", "tags") and features.dim > 64 + 2 * 18
    doc = nlp("prices rose near Apple on monday but apple fell")
    assert [(e.text, e.label_) for e in doc.ents] == [("Apple", "ORG")]

    import mlflow

    from myna.core.tracking import setup_mlflow

    setup_mlflow()
    runs = mlflow.search_runs(search_all_experiments=True)
    levers = runs[runs["params.word_shapes"] == "8"].iloc[0]
    assert (levers["params.decode"], levers["params.average_last"]) == ("viterbi", "3")
    assert (runs["params.spacy_features"] == "en_core_web_sm").sum() == 1
    assert (runs["params.spacy_annotations"] == "ents,tags").sum() == 1


CUES = {"club": "ORG", "town": "LOC"}


def context_conll(n: int, seed: int) -> str:
    """Documents of two sentences: the first ends on "club" or "town", the second opens with a
    name whose label only that cue tells (the tiny tokenizer lowercases it; its shape is the
    same either way)."""
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        cue = rng.choice(sorted(CUES))
        first = [rng.choice(FILLERS) for _ in range(rng.randint(1, 3))] + [cue]
        name = rng.choice(NAMES).capitalize()
        lines += ["-DOCSTART- O", ""] + [f"{w} O" for w in first] + [""]
        lines += [f"{name} B-{CUES[cue]}", "again O", ""]
    return "\n".join(lines)


def test_joined_sentences_let_a_name_be_read_with_its_documents_context(tmp_path, myna):
    from conftest import build_tiny_bert

    base = build_tiny_bert(tmp_path / "tiny-bert", NAMES + FILLERS + list(CUES), hidden=16)
    train, test = tmp_path / "context.conll", tmp_path / "context_test.conll"
    train.write_text(context_conll(160, 1))
    test.write_text(context_conll(60, 2))
    common = ["--base", f"transformer:{base}", "--epochs", "30", "--batch-size", "8",
              "--learn-rate", "0.003", "--no-profile"]
    r = myna("train", "ner", train, "-o", tmp_path / "sentences", *common)
    assert r.code == 0, r.err
    r = myna("train", "ner", train, "-o", tmp_path / "joined", *common,
             "--join-sentences", "0")
    assert r.code == 0, r.err
    alone = _entity_f1(tmp_path / "sentences" / "model-best", test)
    from myna.evaluate.scoring import evaluate

    joined = evaluate(str(tmp_path / "joined" / "model-best"), test, join=0)
    assert joined.examples == 60 and sum(s["support"] for s in joined.per_label.values()) == 60
    assert joined.micro["f"] > 0.9 and alone < 0.8, (alone, joined.micro["f"])
    r = myna("evaluate", tmp_path / "joined" / "model-best", test, "--join-sentences", "0")
    assert r.code == 0 and "ner · 60 examples" in r.out, r.err

    r = myna("evaluate", tmp_path / "joined" / "model-best", test, "--join-sentences", "-1")
    assert r.code != 0 and "--join-sentences" in r.err
    (tmp_path / "no_docs.conll").write_text(test.read_text().replace("-DOCSTART- O\n", ""))
    r = myna("train", "ner", tmp_path / "no_docs.conll", "-o", tmp_path / "bad", *common,
             "--join-sentences", "0")
    assert r.code != 0 and "no_docs.conll" in r.err and "-DOCSTART-" in r.err
    assert not (tmp_path / "bad").exists()

    import mlflow

    from myna.core.tracking import setup_mlflow

    setup_mlflow()
    runs = mlflow.search_runs(search_all_experiments=True)
    assert sorted(runs["params.join_sentences"]) == ["0", "1"]


def test_viterbi_reads_only_valid_bio_sequences():
    from myna.models.bio_decode import allowed_transitions, decode

    tags = ["O", "B-ORG", "I-ORG", "B-PER", "I-PER"]
    starts, follows = allowed_transitions(tags)
    assert not starts[2] and not starts[4] and starts[1]
    assert follows[1, 2] and follows[2, 2] and not follows[0, 2] and not follows[3, 2]

    def scores(*rows):
        return np.log(np.array(rows, dtype=float))

    # word 2 leans I-PER after a B-ORG: greedy mixes the labels, viterbi keeps one entity
    mixed = scores([0.05, 0.8, 0.05, 0.05, 0.05], [0.05, 0.05, 0.4, 0.05, 0.45])
    assert decode(mixed, tags, "greedy") == [1, 4]
    assert decode(mixed, tags, "viterbi") == [1, 2]
    # a lone I-ORG after O is not a valid start: viterbi reads the next best valid tag
    stray = scores([0.9, 0.02, 0.02, 0.03, 0.03], [0.3, 0.25, 0.4, 0.02, 0.03])
    assert decode(stray, tags, "greedy") == [0, 2]
    assert decode(stray, tags, "viterbi") == [0, 0]
    assert decode(np.zeros((0, 5)), tags, "viterbi") == []


def test_decoding_is_a_setting_of_the_saved_component(tmp_path):
    from test_train import wired_ticker_tagger

    from myna.train.transformer import save_pipeline

    model, tokenizer = wired_ticker_tagger(tmp_path / "b")
    path = save_pipeline("myna_hf_ner", "ner", {"max_length": 64, "decode": "viterbi"},
                         model, tokenizer, tmp_path / "p")
    nlp = spacy.load(path)
    assert nlp.get_pipe("ner").decode == "viterbi"
    assert [e.text for e in nlp("Pfizer (NYSE: PFE) fell").ents] == ["PFE"]
    greedy = spacy.load(path, config={"components": {"ner": {"decode": "greedy"}}})
    assert greedy.get_pipe("ner").decode == "greedy"
    with pytest.raises(Exception, match="viterbi"):
        spacy.load(path, config={"components": {"ner": {"decode": "beam"}}})


def test_levers_are_refused_where_they_do_not_apply(tmp_path, myna, casing_data):
    from conftest import BUSINESS_TEXTS, SPORT_TEXTS

    _, train, _ = casing_data
    textcat_csv = tmp_path / "tc.csv"
    textcat_csv.write_text("text,label\n" + "".join(
        f"{t},{label}\n" for texts, label in ((SPORT_TEXTS, "Sports"),
                                              (BUSINESS_TEXTS, "Business")) for t in texts))
    r = myna("train", "ner", train, "-o", tmp_path / "x", "--base", "blank",
             "--word-shapes", "16")
    assert r.code != 0 and "--word-shapes" in r.err and "transformer" in r.err
    r = myna("train", "ner", train, "-o", tmp_path / "x", "--base", "blank",
             "--spacy-features", "en_core_web_sm")
    assert r.code != 0 and "--spacy-features" in r.err and "transformer" in r.err
    r = myna("train", "ner", train, "-o", tmp_path / "x", "--base", "transformer",
             "--spacy-features", "en_core_web_xx")
    assert r.code != 0 and "en_core_web_xx" in r.err
    r = myna("train", "ner", train, "-o", tmp_path / "x", "--base", "transformer",
             "--spacy-annotations", "ents")
    assert r.code != 0 and "--spacy-features" in r.err
    r = myna("train", "ner", train, "-o", tmp_path / "x", "--base", "transformer",
             "--spacy-features", "en_core_web_sm", "--spacy-annotations", "ents,pos")
    assert r.code != 0 and "'pos'" in r.err and "ents, tags" in r.err
    assert "--spacy-annotations:" in r.err
    from myna.text.pipelines import resolve_model

    spacy.load(resolve_model("en_core_web_sm"), exclude=["tagger"]).to_disk(tmp_path / "no_tagger")
    r = myna("train", "ner", train, "-o", tmp_path / "x", "--base", "transformer",
             "--spacy-features", tmp_path / "no_tagger", "--spacy-annotations", "tags")
    assert r.code != 0 and "no 'tagger' component to predict tags" in r.err, r.err
    assert "--spacy-annotations:" in r.err and "Traceback" not in r.err
    spacy.load(resolve_model("en_core_web_sm"), exclude=["ner"]).to_disk(tmp_path / "no_ner")
    r = myna("train", "ner", train, "-o", tmp_path / "x", "--base", "transformer",
             "--spacy-features", tmp_path / "no_ner")
    assert r.code != 0 and "--spacy-features:" in r.err and "no 'ner' component" in r.err, r.err
    assert "Traceback" not in r.err
    assert not (tmp_path / "x").exists()
    r = myna("train", "textcat", textcat_csv, "-o", tmp_path / "y", "-l", "label",
             "--average-last", "3")
    assert r.code != 0 and "--average-last" in r.err
    r = myna("train", "ner", train, "-o", tmp_path / "z", "--base", "transformer",
             "--decode", "beam")
    assert r.code != 0 and "viterbi" in r.err
    assert not (tmp_path / "z").exists()
    from myna.core.errors import InputError
    from myna.train.runner import TrainSpec
    from myna.train.runner import train as train_model

    with pytest.raises(InputError, match="--repair-escapes is not an option for training ner"):
        train_model(TrainSpec(task="ner", source=train, output=tmp_path / "w",
                              repair_escapes=True))
    with pytest.raises(InputError, match="--join-sentences is not an option for training "
                                         "textcat"):
        train_model(TrainSpec(task="textcat", source=textcat_csv, output=tmp_path / "w",
                              label_column="label", join_sentences=2))
    assert not (tmp_path / "w").exists()


def test_new_labels_in_their_own_component_leave_the_base_predictions_alone(tmp_path, myna):
    from test_train import ticker_rows

    from myna.text.pipelines import resolve_model

    data = tmp_path / "ticker.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in ticker_rows(60)))
    negatives = tmp_path / "no_tickers.jsonl"  # all-capitals headlines are not tickers
    headlines = [f"{a} BEAT {b} IN {c} ." for a in ("JAPAN", "CHINA", "ITALY", "SPAIN")
                 for b in ("SYRIA", "WALES", "KENYA") for c in ("ROME", "OSLO")]
    negatives.write_text("".join(json.dumps({"text": h}) + "\n" for h in headlines))
    r = myna("train", "ner", data, "--base", "en_core_web_sm", "-o", tmp_path / "t",
             "--epochs", "10", "--new-component", "ner_ticker", "--no-profile",
             "--rehearse-with", negatives)
    assert r.code == 0, r.err
    from spacy.tokens import DocBin

    corpus = DocBin().from_disk(tmp_path / "t" / "corpus" / "train.spacy")
    trained = list(corpus.get_docs(spacy.blank("en").vocab))
    assert sum(d.text in headlines and not d.ents for d in trained) == len(headlines)
    nlp = spacy.load(tmp_path / "t" / "model-best")
    assert nlp.pipe_names[-2:] == ["ner_ticker", "ner"]
    assert nlp.get_pipe("ner_ticker").labels == ("TICKER",)
    base = spacy.load(resolve_model("en_core_web_sm"))
    doc = nlp("Cisco (Nasdaq: CSCO) rose in Paris after Tim Cook spoke.")
    assert ("CSCO", "TICKER") in {(e.text, e.label_) for e in doc.ents}
    texts = ["Officials in Berlin met three bankers on Friday.",
             "Tim Cook spoke in Paris on Monday about the European Union.",
             "The Federal Reserve raised rates, said Alan Greenspan in Washington."]
    for text in texts:  # no tickers: exactly the base model's entities
        assert [(e.text, e.label_) for e in nlp(text).ents] == \
            [(e.text, e.label_) for e in base(text).ents]
    settings = (tmp_path / "t" / "config.cfg").read_text()
    assert 'frozen_components = ["tok2vec","tagger","parser","attribute_ruler",' \
           '"lemmatizer","ner"]' in settings
    r = myna("train", "ner", data, "--base", "en_core_web_sm", "-o", tmp_path / "u",
             "--new-component", "ner")
    assert r.code != 0 and "already has a component named 'ner'" in r.err


def _news_csv(path, rows: int, seed: int, labelled: bool = True):
    import csv

    from conftest import BUSINESS_TEXTS, SPORT_TEXTS

    rng = random.Random(seed)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"] if labelled else ["text"])
        for i in range(rows):
            for texts, label in ((SPORT_TEXTS, "Sports"), (BUSINESS_TEXTS, "Business")):
                text = f"{rng.choice(texts)} after {rng.choice(texts).lower()} {i}."
                w.writerow([text, label] if labelled else [text])
    return path


def test_a_distilled_student_learns_the_teachers_probabilities(tmp_path, myna,
                                                              textcat_pipeline):
    from spacy.tokens import DocBin

    train = _news_csv(tmp_path / "train.csv", 20, 1)
    extra = _news_csv(tmp_path / "extra.csv", 30, 2, labelled=False)
    r = myna("train", "textcat", train, "-l", "label", "-o", tmp_path / "student",
             "--teacher", textcat_pipeline, "--unlabelled", extra, "--cnn", "--epochs", "6",
             "--no-profile")
    assert r.code == 0, r.err
    student = spacy.load(tmp_path / "student" / "model-best")
    assert student.get_pipe_meta("textcat").factory == "textcat"  # spaCy's own, no Myna
    assert "tok2vec" in student.pipe_names  # --cnn
    docs = list(DocBin().from_disk(tmp_path / "student" / "corpus" / "train.spacy")
                .get_docs(student.vocab))
    assert len(docs) == 32 + 60  # 80% of 40 labelled texts and the 60 unlabelled ones
    teacher = spacy.load(textcat_pipeline)
    for doc in docs[:5]:  # the targets are the teacher's probabilities, not 0/1 labels
        assert doc.cats == pytest.approx(teacher(doc.text).cats, abs=1e-5)
    assert any(0.01 < v < 0.99 for d in docs for v in d.cats.values())
    held_out = [t for t, _ in _rows(_news_csv(tmp_path / "held.csv", 10, 3))]
    agree = sum(max(student(t).cats, key=student(t).cats.get)
                == max(teacher(t).cats, key=teacher(t).cats.get) for t in held_out)
    assert agree >= 0.9 * len(held_out)

    import mlflow

    from myna.core.tracking import setup_mlflow

    setup_mlflow()
    runs = mlflow.search_runs(search_all_experiments=True)
    assert str(textcat_pipeline) in set(runs["params.teacher"].dropna())

    r = myna("train", "ner", train, "-o", tmp_path / "x", "--teacher", textcat_pipeline)
    assert r.code != 0
    other = tmp_path / "other.csv"
    other.write_text("text,label\n" + "".join(f"text {i},{'A' if i % 2 else 'B'}\n"
                                              for i in range(20)))
    r = myna("train", "textcat", other, "-l", "label", "-o", tmp_path / "y",
             "--teacher", textcat_pipeline)
    assert r.code != 0 and "teacher does not predict A, B" in r.err


def test_augmented_distillation_labels_perturbed_copies_at_a_temperature(tmp_path, myna,
                                                                           textcat_pipeline):
    from spacy.tokens import DocBin

    train = _news_csv(tmp_path / "train.csv", 20, 1)
    r = myna("train", "textcat", train, "-l", "label", "-o", tmp_path / "student",
             "--teacher", textcat_pipeline, "--augment", "2", "--temperature", "3",
             "--epochs", "3", "--no-profile")
    assert r.code == 0, r.err
    student = spacy.load(tmp_path / "student" / "model-best")
    docs = list(DocBin().from_disk(tmp_path / "student" / "corpus" / "train.spacy")
                .get_docs(student.vocab))
    assert len(docs) == 32 * 3  # each of the 32 training texts and two copies of it
    originals, copies = docs[:32], docs[32:]
    for i, copy in enumerate(copies):  # copies follow their text: a subset of its words
        source = originals[i // 2].text.split()
        assert copy.text and set(copy.text.split()) <= set(source)
    assert sum(c.text != originals[i // 2].text for i, c in enumerate(copies)) > 32
    teacher = spacy.load(textcat_pipeline)
    for doc in docs[:3] + copies[:3]:  # the teacher's probabilities, softened: p ** (1/3)
        raw = teacher(doc.text).cats
        total = sum(v ** (1 / 3) for v in raw.values())
        assert doc.cats == pytest.approx({k: v ** (1 / 3) / total for k, v in raw.items()},
                                         abs=1e-5)
    import mlflow

    from myna.core.tracking import setup_mlflow

    setup_mlflow()
    runs = mlflow.search_runs(search_all_experiments=True)
    assert {"2"} <= set(runs["params.augment"].dropna())
    assert {"3.0"} <= set(runs["params.temperature"].dropna())

    for options, message in ((["--augment", "2"], "--augment is a distillation option"),
                             (["--teacher", str(textcat_pipeline), "--temperature", "0"],
                              "--temperature a positive number")):
        r = myna("train", "textcat", train, "-l", "label", "-o", tmp_path / "x", *options)
        assert r.code != 0 and message in r.err, r.err
    assert not (tmp_path / "x").exists()


def test_a_transformer_student_learns_the_teachers_categories_not_the_labels(
        tmp_path, myna, textcat_pipeline):
    """Self-training: a transformer trained on the teacher's top category for each text.
    The training labels are all wrong, so a student that learnt them would say the opposite
    (model-best is still picked on the --dev labels, which are right)."""
    from conftest import build_tiny_bert

    rows = list(_rows(_news_csv(tmp_path / "news.csv", 30, 4)))
    swapped = {"Sports": "Business", "Business": "Sports"}
    train = tmp_path / "wrong.csv"
    train.write_text("text,label\n" + "".join(f'"{t}",{swapped[c]}\n' for t, c in rows))
    words = {w.strip(".").lower() for t, _ in rows for w in t.split()}
    base = build_tiny_bert(tmp_path / "tiny-bert", sorted(words), hidden=32)
    r = myna("train", "textcat", train, "-l", "label", "--base", f"transformer:{base}",
             "-o", tmp_path / "student", "--teacher", textcat_pipeline, "--epochs", "10",
             "--batch-size", "8", "--learn-rate", "0.001",
             "--dev", _news_csv(tmp_path / "dev.csv", 8, 6), "--no-profile")
    assert r.code == 0, r.err
    student = spacy.load(tmp_path / "student" / "model-best")
    teacher = spacy.load(textcat_pipeline)
    held_out = [t for t, _ in _rows(_news_csv(tmp_path / "held.csv", 10, 5))]
    agree = sum(max(student(t).cats, key=student(t).cats.get)
                == max(teacher(t).cats, key=teacher(t).cats.get) for t in held_out)
    assert agree >= 0.9 * len(held_out)
    r = myna("train", "textcat", train, "-l", "label", "--base", f"transformer:{base}",
             "-o", tmp_path / "x", "--teacher", textcat_pipeline, "--temperature", "2")
    assert r.code != 0 and "temperature does not change" in r.err


def _rows(path):
    import csv

    with open(path, newline="") as f:
        return [(row["text"], row["label"]) for row in csv.DictReader(f)]


def test_repair_escapes_mends_scraped_news_text(tmp_path, myna):
    from myna.data.repair import repair_escapes

    assert repair_escapes("Oil prices rose\\\\Reuters - the company #39;s  quot;best quot; "
                          "year, worth  #36;2 billion (\\\\$7.1 billion) &lt;b&gt;now&lt;/b&gt;"
                          ) == ("Oil prices rose Reuters - the company's \"best\" year, worth "
                                "$2 billion ($7.1 billion) now")
    assert repair_escapes("Ranked #1; AT&T") == "Ranked #1; AT&T"
    data = tmp_path / "scraped.csv"
    data.write_text("text,label\n" + "".join(
        f"\"Shares rose\\\\the bank #39;s profit {i}\",Business\n"
        f"\"The striker scored\\\\the team #39;s goal {i}\",Sports\n" for i in range(20)))
    r = myna("train", "textcat", data, "-l", "label", "-o", tmp_path / "m", "--epochs", "2",
             "--repair-escapes", "--no-profile")
    assert r.code == 0, r.err
    docs = list(__import__("spacy.tokens", fromlist=["DocBin"]).DocBin().from_disk(
        tmp_path / "m" / "corpus" / "train.spacy").get_docs(spacy.blank("en").vocab))
    assert all("#39;" not in d.text and "\\" not in d.text for d in docs)
    assert any("bank's profit" in d.text for d in docs)
    r = myna("evaluate", tmp_path / "m" / "model-best", data, "-l", "label",
             "--repair-escapes")
    assert r.code == 0, r.err
    spans = tmp_path / "spans.jsonl"
    spans.write_text(json.dumps({"text": "Pfizer #39;s shares", "spans": [
        {"start": 0, "end": 6, "label": "ORG"}]}) + "\n")
    r = myna("evaluate", tmp_path / "m" / "model-best", spans, "--repair-escapes")
    assert r.code != 0 and "example 1" in r.err and "spans" in r.err


def test_an_ensemble_averages_its_members_with_weights_tuned_on_held_out_texts(
        tmp_path, myna, textcat_pipeline):
    from myna.models.ensemble_textcat import EnsembleTextClassifier

    train = _news_csv(tmp_path / "train.csv", 20, 4)
    r = myna("train", "textcat", train, "-l", "label", "-o", tmp_path / "cnn", "--cnn",
             "--epochs", "3", "--no-profile")
    assert r.code == 0, r.err
    tune = tmp_path / "cnn" / "corpus" / "dev.spacy"  # the run's held-out slice
    r = myna("models", "ensemble", textcat_pipeline, tmp_path / "cnn" / "model-best",
             "--tune", tune, "-o", tmp_path / "ens")
    assert r.code == 0, r.err
    assert "ensemble: macro-F1" in r.out
    nlp = spacy.load(tmp_path / "ens")
    component = nlp.get_pipe(nlp.pipe_names[0])
    assert isinstance(component, EnsembleTextClassifier)
    assert sum(component.weights) == pytest.approx(1.0) and len(component.weights) == 2
    members = [spacy.load(textcat_pipeline), spacy.load(tmp_path / "cnn" / "model-best")]
    text = "The striker scored twice as shares fell."
    expected = {label: sum(w * m(text).cats[label] for w, m in
                           zip(component.weights, members, strict=True))
                for label in ("Sports", "Business")}
    assert nlp(text).cats == pytest.approx(expected, abs=1e-6)
    r = myna("evaluate", tmp_path / "ens", _news_csv(tmp_path / "held.csv", 5, 5), "-l", "label")
    assert r.code == 0 and "accuracy" in r.out

    r = myna("models", "ensemble", textcat_pipeline, tmp_path / "cnn" / "model-best",
             "--weights", "1,x", "-o", tmp_path / "bad")
    assert r.code != 0 and "--weights" in r.err
    r = myna("models", "ensemble", textcat_pipeline, "-o", tmp_path / "one")
    assert r.code != 0 and "two or more" in r.err


def _wired_pipeline(tmp_path, name: str, always_outside: bool):
    """A saved transformer NER pipeline: the wired tagger (finds "PFE" as a TICKER, sure of
    it) or, ``always_outside``, one that leans to O everywhere."""
    import torch
    from test_train import wired_ticker_tagger

    from myna.train.transformer import save_pipeline

    model, tokenizer = wired_ticker_tagger(tmp_path / f"{name}-base")
    if always_outside:
        with torch.no_grad():
            model.classifier.weight.zero_()
            model.classifier.bias[0] = 3.0  # p(O) 0.91 for every word
    return save_pipeline("myna_hf_ner", "ner", {"max_length": 64, "decode": "viterbi"},
                         model, tokenizer, tmp_path / name)


def test_an_entity_ensemble_averages_its_members_tag_probabilities(tmp_path, myna,
                                                                     textcat_pipeline):
    from myna.models.ensemble_ner import EnsembleEntityRecognizer

    finder = _wired_pipeline(tmp_path, "finder", always_outside=False)
    doubter = _wired_pipeline(tmp_path, "doubter", always_outside=True)
    text = "Pfizer (NYSE: PFE) fell"
    assert [e.text for e in spacy.load(finder)(text).ents] == ["PFE"]
    assert list(spacy.load(doubter)(text).ents) == []
    # p(B-TICKER) for "PFE": 0.987 and 0.045; p(O): 0.007 and 0.909
    for weights, found in (("0.5,0.5", ["PFE"]), ("0.2,0.8", [])):
        out = tmp_path / f"ens-{weights}"
        r = myna("models", "ensemble", finder, doubter, "--weights", weights, "-o", out)
        assert r.code == 0, r.err
        nlp = spacy.load(out)
        assert isinstance(nlp.get_pipe("ner"), EnsembleEntityRecognizer)
        assert nlp.get_pipe("ner").decode == "viterbi"  # as the first member reads its tags
        assert [e.text for e in nlp(text).ents] == found
        assert [e.label_ for e in nlp(text).ents] == ["TICKER"] * len(found)

    tune = tmp_path / "tune.jsonl"
    rows = [{"text": t, "spans": [{"start": t.index("PFE"), "end": t.index("PFE") + 3,
                                   "label": "TICKER"}]}
            for t in ["Pfizer (NYSE: PFE) fell", "PFE fell", "Pfizer fell , PFE fell"]]
    tune.write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = myna("models", "ensemble", finder, doubter, "--tune", tune, "--decode", "greedy",
             "-o", tmp_path / "tuned")
    assert r.code == 0, r.err
    assert f"{finder}: entity F1 1.0000" in r.out and f"{doubter}: entity F1 0.0000" in r.out
    assert "ensemble: entity F1 1.0000" in r.out
    nlp = spacy.load(tmp_path / "tuned")
    assert nlp.get_pipe("ner").decode == "greedy" and nlp.get_pipe("ner").weights[0] >= 0.5
    r = myna("evaluate", tmp_path / "tuned", tune)
    assert r.code == 0 and "TICKER" in r.out, r.err
    import myna as library  # serve, batch and the app run it through the task registry

    predictor = library.Predictor(library.load(str(tmp_path / "tuned")))
    assert predictor.default_task == "ner"
    [row] = predictor.predict([text])
    assert [(e["text"], e["label"]) for e in row["entities"]] == [("PFE", "TICKER")]

    r = myna("models", "export", tmp_path / "tuned", "-o", tmp_path / "ens-onnx")
    assert r.code != 0 and "member by member" in r.err

    r = myna("models", "ensemble", finder, textcat_pipeline, "-o", tmp_path / "mixed")
    assert r.code != 0 and "one task" in r.err
    r = myna("models", "ensemble", finder, doubter, "--decode", "beam", "-o", tmp_path / "bad")
    assert r.code != 0 and "--decode" in r.err
    assert not (tmp_path / "mixed").exists() and not (tmp_path / "bad").exists()


def test_ngrams_let_the_bag_of_words_read_word_order(tmp_path, myna):
    """"dog bites man" and "man bites dog" have the same words: single words cannot tell the
    labels apart, word pairs can."""
    animals, people = ["dog", "cat", "horse", "bee"], ["man", "child", "farmer", "judge"]
    rows = [(f"the {a} bit the {p}", "attack") for a in animals for p in people] + \
           [(f"the {p} bit the {a}", "defence") for a in animals for p in people]
    data = tmp_path / "order.csv"
    data.write_text("text,label\n" + "".join(f"{t},{label}\n" for t, label in rows * 3))
    common = ["-l", "label", "--epochs", "15", "--no-profile", "--dev-fraction", "0.25"]
    r = myna("train", "textcat", data, "-o", tmp_path / "words", *common)
    assert r.code == 0, r.err
    r = myna("train", "textcat", data, "-o", tmp_path / "pairs", *common, "--ngrams", "2")
    assert r.code == 0, r.err
    assert "ngram_size = 2" in (tmp_path / "pairs" / "config.cfg").read_text()
    probe = [("the bee bit the judge", "attack"), ("the judge bit the bee", "defence")]

    def right(name: str) -> int:
        nlp = spacy.load(tmp_path / name / "model-best")
        return sum(max(nlp(t).cats, key=nlp(t).cats.get) == label for t, label in probe)

    assert right("pairs") == 2 and right("words") < 2
    r = myna("train", "textcat", data, "-o", tmp_path / "x", "-l", "label", "--ngrams", "2",
             "--base", "en_core_web_sm")
    assert r.code != 0 and "--ngrams" in r.err and not (tmp_path / "x").exists()
