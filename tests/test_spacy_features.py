"""A spaCy pipeline's CNN features, and optionally its own predictions, as per-word inputs
of a transformer tagger (`--spacy-features`, `--spacy-annotations`)."""

from __future__ import annotations

import numpy as np
import pytest

from myna.models.spacy_features import SpacyFeatures

WORDS = ["Apple", "opened", "a", "store", "in", "London", "on", "Monday", "."]


@pytest.fixture(scope="module")
def annotated():
    return SpacyFeatures.from_pipeline("en_core_web_sm", annotations=["ents", "tags"])


def test_annotations_add_the_pipelines_entity_and_pos_tags_one_hot(annotated):
    plain = SpacyFeatures.from_pipeline("en_core_web_sm")
    [rows] = annotated.of_words([WORDS])
    ents, tags = annotated.values["ents"], annotated.values["tags"]
    assert rows.shape == (len(WORDS), 64 + len(ents) + len(tags)) == (9, annotated.dim)
    np.testing.assert_allclose(rows[:, :64], plain.of_words([WORDS])[0], atol=1e-5)
    ent_block, tag_block = rows[:, 64:64 + len(ents)], rows[:, 64 + len(ents):]
    assert (ent_block.sum(1) == 1).all() and (tag_block.sum(1) == 1).all()
    london, store = WORDS.index("London"), WORDS.index("store")
    assert ents[ent_block[london].argmax()] == "B-GPE"
    assert ents[ent_block[store].argmax()] == "O"
    assert tags[tag_block[london].argmax()] == "NNP"
    assert tags[tag_block[store].argmax()] == "NN"


def test_annotations_travel_with_the_saved_features(annotated, tmp_path):
    annotated.save(tmp_path)
    loaded = SpacyFeatures.load(tmp_path)
    assert loaded is not None and loaded.annotations == ("ents", "tags")
    assert set(loaded.nlp.pipe_names) == {"tok2vec", "tagger", "ner"}  # no parser, lemmatizer
    np.testing.assert_allclose(loaded.of_words([WORDS])[0], annotated.of_words([WORDS])[0],
                               atol=1e-5)
    assert loaded.of_words([[]])[0].shape == (0, annotated.dim)


def test_an_unknown_annotation_names_the_choices():
    with pytest.raises(ValueError, match="unknown spaCy annotation 'pos' .*ents, tags"):
        SpacyFeatures.from_pipeline("en_core_web_sm", annotations=["pos"])
