"""`myna models export --format onnx`: the exported classifier gives PyTorch's probabilities
(parity), loads as a pipeline every command takes, quantises on request (kept only when it
pays, unless forced), and refuses what it cannot export or load with a clear message."""

from __future__ import annotations

import json

import pytest
import spacy
from conftest import BUSINESS_TEXTS, SPORT_TEXTS, build_tiny_bert

pytestmark = pytest.mark.slow  # exports and quantises models


@pytest.fixture(scope="module")
def hf_textcat(tmp_path_factory):
    """A tiny BERT classifier saved the way `myna train textcat --base transformer` saves one
    (its head is untrained: parity needs outputs, not good ones)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from myna.train.hf_component import FACTORY
    from myna.train.transformer import save_pipeline

    root = tmp_path_factory.mktemp("hf_textcat")
    words = [w.lower() for t in SPORT_TEXTS + BUSINESS_TEXTS for w in t.split()]
    base = build_tiny_bert(root / "tiny", words, hidden=16)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=2, id2label={0: "Business", 1: "Sports"},
        label2id={"Business": 0, "Sports": 1})
    return save_pipeline(FACTORY, "textcat", {"exclusive": True, "max_length": 32}, model,
                         AutoTokenizer.from_pretrained(base), root / "model")


@pytest.fixture
def labelled(tmp_path):
    path = tmp_path / "eval.csv"
    path.write_text("text,label\n" + "".join(f"{t},Sports\n" for t in SPORT_TEXTS)
                    + "".join(f"{t},Business\n" for t in BUSINESS_TEXTS))
    return path


def test_the_export_gives_pytorchs_probabilities_and_is_a_model_like_any_other(
        myna, hf_textcat, labelled, tmp_path):
    out = tmp_path / "onnx"
    r = myna("models", "export", hf_textcat, "-o", out)
    assert r.code == 0, r.err
    report = json.loads((out / "export.json").read_text())
    assert report["kept"] == "fp32" and report["variants"][0]["max_abs_diff"] < 1e-4
    assert (out / "textcat" / "onnx" / "model.onnx").is_file()
    exported, original = spacy.load(out), spacy.load(hf_textcat)
    assert exported.meta["myna_export"]["source"] == str(hf_textcat)
    runner = original.get_pipe("textcat").runner
    runner.precision = "fp32"
    for text in SPORT_TEXTS + BUSINESS_TEXTS:
        theirs, ours = original(text).cats, exported(text).cats
        assert set(ours) == {"Business", "Sports"}
        assert ours == pytest.approx(theirs, abs=1e-4)
    r = myna("evaluate", out, labelled, "-l", "label")
    assert r.code == 0 and "accuracy" in r.out


def test_a_quantised_model_is_compared_and_kept_when_forced(myna, hf_textcat, labelled,
                                                            tmp_path):
    out = tmp_path / "int8"
    r = myna("models", "export", hf_textcat, "--quantize", "int8", "--eval", labelled, "-l",
             "label", "--force", "-o", out)
    assert r.code == 0, r.err
    report = json.loads((out / "export.json").read_text())
    assert [v["name"] for v in report["variants"]] == ["fp32", "int8"]
    assert report["kept"] == "int8" and report["why"] == "--force"
    assert all(v["score"] is not None and v["texts_per_second"] > 0
               for v in report["variants"])
    import onnx

    kept = onnx.load(str(out / "textcat" / "onnx" / "model.onnx"))
    assert "DynamicQuantizeLinear" in {node.op_type for node in kept.graph.node}
    cats = spacy.load(out)("The bank raised interest rates").cats
    assert sum(cats.values()) == pytest.approx(1.0, abs=1e-5)


def test_what_cannot_be_exported_is_refused(myna, labelled, tmp_path):
    nlp = spacy.blank("en")
    textcat = nlp.add_pipe("textcat")
    textcat.add_label("Sports")
    textcat.add_label("Business")
    nlp.initialize()
    nlp.to_disk(tmp_path / "cnn")
    r = myna("models", "export", tmp_path / "cnn", "-o", tmp_path / "out")
    assert r.code != 0 and "no ONNX route" in " ".join(r.err.split())
    assert not (tmp_path / "out").exists()
    r = myna("models", "export", tmp_path / "cnn", "--quantize", "int4", "-o", tmp_path / "o")
    assert r.code != 0 and "--quantize" in r.err


def test_a_corrupt_onnx_file_is_a_clear_error(myna, hf_textcat, labelled, tmp_path):
    out = tmp_path / "onnx"
    assert myna("models", "export", hf_textcat, "-o", out).code == 0
    graph = out / "textcat" / "onnx" / "model.onnx"
    graph.write_bytes(graph.read_bytes()[:1000])
    r = myna("evaluate", out, labelled, "-l", "label")
    assert r.code != 0 and "not a usable ONNX model" in " ".join(r.err.split())


def test_an_exported_model_keeps_its_profile_and_registers_with_lineage(myna, hf_textcat,
                                                                         tmp_path):
    import shutil

    from myna.registry.client import register

    source = tmp_path / "source"
    shutil.copytree(hf_textcat, source)
    (source / "reference_profile").mkdir()
    (source / "reference_profile" / "profile.json").write_text('{"format": 1}')
    registered = register(str(source), "news-torch")
    r = myna("models", "export", "models:/news-torch/1", "-o", tmp_path / "onnx")
    assert r.code == 0, r.err
    assert (tmp_path / "onnx" / "reference_profile" / "profile.json").read_text() == \
        '{"format": 1}'
    assert registered.version == "1"
    version = register(str(tmp_path / "onnx"), "news-onnx")
    assert version.tags["myna.exported_from"] == "models:/news-torch/1"
    assert version.tags["myna.exported_from_version"] == "1"
    assert version.tags["myna.exported_format"] == "onnx fp32"


@pytest.fixture(scope="module")
def hf_ner(tmp_path_factory):
    """A tiny BERT token classifier saved as `myna train ner --base transformer` saves one."""
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    from myna.train.hf_component import NER_FACTORY
    from myna.train.transformer import save_pipeline

    root = tmp_path_factory.mktemp("hf_ner")
    words = [w.lower().strip(".") for t in SPORT_TEXTS + BUSINESS_TEXTS for w in t.split()]
    base = build_tiny_bert(root / "tiny", words + ["apple", "paris", "the"], hidden=16)
    tags = ["O", "B-ORG", "I-ORG", "B-GPE", "I-GPE"]
    model = AutoModelForTokenClassification.from_pretrained(
        base, num_labels=len(tags), id2label=dict(enumerate(tags)),
        label2id={t: i for i, t in enumerate(tags)})
    return save_pipeline(NER_FACTORY, "ner", {"max_length": 16}, model,
                         AutoTokenizer.from_pretrained(base), root / "model")


def test_the_token_classifier_exports_with_the_same_entities(myna, hf_ner, tmp_path):
    texts = [f"{t} in Paris, said Apple." * 3 for t in SPORT_TEXTS + BUSINESS_TEXTS]
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps({"text": t, "spans": [
        {"start": t.index("Paris"), "end": t.index("Paris") + 5, "label": "GPE"}]}) + "\n"
        for t in texts))
    out = tmp_path / "onnx-ner"
    r = myna("models", "export", hf_ner, "--eval", gold, "--quantize", "int8", "--force",
             "-o", out)
    assert r.code == 0, r.err
    assert "entity F1" in r.out
    report = json.loads((out / "export.json").read_text())
    fp32 = next(v for v in report["variants"] if v["name"] == "fp32")
    assert report["metric"] == "entity F1" and fp32["max_abs_diff"] < 1e-4
    assert fp32["score"] == pytest.approx(report["pytorch_score"], abs=1e-6)
    assert report["kept"] == "int8"  # forced
    exported, original = spacy.load(out), spacy.load(hf_ner)
    assert exported.pipe_names == ["ner"]
    assert exported.get_pipe("ner").labels == ("GPE", "ORG")
    import myna as api

    rows = api.load(str(out)).predict(texts[:3], "ner")
    assert len(rows) == 3 and all("entities" in row for row in rows)
    assert myna("models", "export", hf_ner, "-o", tmp_path / "fp32").code == 0
    fp32_nlp = spacy.load(tmp_path / "fp32")
    found = 0
    for text in texts:  # the fp32 export tags every token as PyTorch does (windows included)
        ours = [(e.start, e.end, e.label_) for e in fp32_nlp(text).ents]
        theirs = [(e.start, e.end, e.label_) for e in original(text).ents]
        assert ours == theirs
        found += len(theirs)
    assert found > 0  # the untrained head tags something: the comparison is not all "O"


def test_a_tagger_with_word_features_exports_them_and_its_decoding(myna, tmp_path):
    """`--word-shapes` and `--spacy-features` taggers take the shape ids and the spaCy
    features as graph inputs (the features' CNN travels with the model); so does decoding."""
    import torch
    from transformers import AutoTokenizer

    from myna.models.spacy_features import SpacyFeatures
    from myna.models.word_feature_tagger import WordFeatureTagger
    from myna.models.word_shapes import ShapeVocab
    from myna.train.hf_component import NER_FACTORY
    from myna.train.transformer import save_pipeline

    texts = [f"{t} in Paris, said APPLE and apple." for t in SPORT_TEXTS + BUSINESS_TEXTS]
    words = [w.lower().strip(".,") for t in texts for w in t.split()]
    base = build_tiny_bert(tmp_path / "tiny", words, hidden=16)
    shapes = ShapeVocab.build([t.split() for t in texts], dim=4, min_count=1)
    features = SpacyFeatures.from_pipeline("en_core_web_sm")
    model = WordFeatureTagger.fresh(str(base), ["O", "B-ORG", "I-ORG"], shapes, features)
    with torch.no_grad():  # shapes decide: all-caps words lean B-ORG
        model.shape_embeddings.weight.normal_(0, 3)
    source = save_pipeline(NER_FACTORY, "ner", {"max_length": 16, "decode": "viterbi"}, model,
                           AutoTokenizer.from_pretrained(base), tmp_path / "model")
    r = myna("models", "export", source, "-o", tmp_path / "onnx")
    assert r.code == 0, r.err
    report = json.loads((tmp_path / "onnx" / "export.json").read_text())
    assert report["variants"][0]["max_abs_diff"] < 1e-4
    exported, original = spacy.load(tmp_path / "onnx"), spacy.load(source)
    assert exported.get_pipe("ner").decode == "viterbi"
    assert exported.get_pipe("ner").shapes.shapes == shapes.shapes
    assert exported.get_pipe("ner").features.dim == features.dim
    ours = [[(e.start, e.end) for e in exported(t).ents] for t in texts]
    assert ours == [[(e.start, e.end) for e in original(t).ents] for t in texts]
    # the tokenizer lowercases: only the shape ids tell the graph "APPLE" from "apple"
    tagger = exported.get_pipe("ner")
    upper, lower = (tagger.tag_scores([exported.make_doc(w)])[2] for w in ("APPLE", "apple"))
    assert abs(upper - lower).max() > 0.1
    assert {"shape_ids", "word_features"} <= {i.name for i in tagger.session.get_inputs()}


@pytest.mark.parametrize("arch, layers", [("birnn", 2), ("lstm", 1), ("transformer-scratch", 1)])
def test_from_scratch_classifiers_export_with_the_same_probabilities(myna, tmp_path, arch,
                                                                     layers):
    import torch

    from myna.nn.classifiers import ClassifierConfig, build_classifier
    from myna.train.scratch_component import FACTORY
    from myna.train.scratch_vocab import WordIds

    texts = SPORT_TEXTS + BUSINESS_TEXTS
    ids = WordIds.build(texts, min_count=1)
    config = ClassifierConfig(arch, ids.size, 2, embed_dim=8, hidden=8, layers=layers,
                              heads=2, max_len=32)
    torch.manual_seed(0)
    nlp = spacy.blank("en")
    nlp.add_pipe(FACTORY, name="textcat").set_model(  # type: ignore[attr-defined]
        build_classifier(config), ids, config, ["Business", "Sports"])
    nlp.to_disk(tmp_path / "model")
    probes = [f"{a} and {b.lower()}" for a in texts for b in texts[:3]]  # varied lengths
    r = myna("models", "export", tmp_path / "model", "-o", tmp_path / "onnx")
    assert r.code == 0, r.err
    report = json.loads((tmp_path / "onnx" / "export.json").read_text())
    assert report["variants"][0]["max_abs_diff"] < 1e-4
    assert (tmp_path / "onnx" / "textcat" / "onnx" / "model.onnx").is_file()
    assert not (tmp_path / "onnx" / "textcat" / "weights.pt").exists()
    exported, original = spacy.load(tmp_path / "onnx"), spacy.load(tmp_path / "model")
    assert exported.get_pipe("textcat").session is not None
    for theirs, ours in zip(original.pipe(probes), exported.pipe(probes), strict=True):
        assert ours.cats == pytest.approx(theirs.cats, abs=1e-4)
    r = myna("models", "export", tmp_path / "onnx", "-o", tmp_path / "again")
    assert r.code == 1 and "already an ONNX export" in r.err


def test_a_sentence_encoder_exports_with_the_same_embeddings(myna, tmp_path):
    from sentence_transformers import SentenceTransformer, models

    import myna as api

    words = [w.lower() for t in SPORT_TEXTS + BUSINESS_TEXTS for w in t.split()]
    tiny = build_tiny_bert(tmp_path / "tiny", words, hidden=16)
    encoder = SentenceTransformer(modules=[models.Transformer(str(tiny), max_seq_length=32),
                                           models.Pooling(16, "mean"), models.Normalize()],
                                  device="cpu")
    encoder.save(str(tmp_path / "encoder"))
    r = myna("models", "export", tmp_path / "encoder", "-o", tmp_path / "onnx")
    assert r.code == 0, r.err
    report = json.loads((tmp_path / "onnx" / "export.json").read_text())
    assert report["variants"][0]["max_abs_diff"] < 1e-4
    assert report["variants"][0]["score"] > 99.99  # mean cosine ×100
    assert (tmp_path / "onnx" / "onnx" / "model.onnx").is_file()
    assert not (tmp_path / "onnx" / "model.safetensors").exists()
    texts = SPORT_TEXTS + BUSINESS_TEXTS
    exported = api.load(str(tmp_path / "onnx"))
    assert exported.kind == "sentence-transformers"
    rows = exported.predict(texts, "embed")
    theirs = encoder.encode(texts)
    assert len(rows[0]["embedding"]) == 16
    for row, vector in zip(rows, theirs, strict=True):
        assert row["embedding"] == pytest.approx(vector.tolist(), abs=1e-4)


def test_the_bundled_minilm_exports_with_the_same_embeddings(myna, tmp_path):
    """Parity on the real encoder Myna searches and fine-tunes with, not only on tiny ones."""
    from myna.text.encoders import default_encoder_path, load_sentence_encoder

    r = myna("models", "export", default_encoder_path(), "-o", tmp_path / "minilm")
    assert r.code == 0, r.err
    report = json.loads((tmp_path / "minilm" / "export.json").read_text())
    assert report["variants"][0]["max_abs_diff"] < 1e-4
    import myna as api

    texts = SPORT_TEXTS + BUSINESS_TEXTS + ["Apple hired Tim Cook in California. " * 30]
    ours = [row["embedding"] for row in api.load(str(tmp_path / "minilm")).predict(texts,
                                                                                  "embed")]
    theirs = load_sentence_encoder(default_encoder_path()).encode(texts)
    for a, b in zip(ours, theirs, strict=True):
        assert a == pytest.approx(b.tolist(), abs=1e-4)
