"""Encoders load from a local directory: a tiny BERT the test builds itself, never a download."""

import numpy as np
import pytest

from myna.core.errors import ModelNotFoundError
from myna.text.encoders import load_sentence_encoder


@pytest.fixture
def tiny_bert(tmp_path):
    from conftest import build_tiny_bert

    return build_tiny_bert(tmp_path / "tiny-bert", ["apple", "shares", "rose", "fell", "the",
                                                    "market"])


def test_local_directory_loads_offline_and_encodes(tiny_bert):
    model = load_sentence_encoder(str(tiny_bert))
    vectors = model.encode(["apple shares rose", "the market fell"], normalize_embeddings=True)
    assert vectors.shape == (2, 16)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        load_sentence_encoder(str(tmp_path / "nope"))


def test_bundled_minilm_gives_384_dimensions():
    model = load_sentence_encoder(None)
    assert model.encode(["hello"]).shape == (1, 384)
