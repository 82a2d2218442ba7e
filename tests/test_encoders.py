"""Encoders load from a local directory: a tiny BERT the test builds itself, never a download."""

import numpy as np
import pytest

from myna.errors import ModelNotFoundError
from myna.text.encoders import load_sentence_encoder


@pytest.fixture
def tiny_bert(tmp_path):
    from transformers import AutoConfig, AutoModel, BertTokenizerFast

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "apple", "shares", "rose", "fell",
             "the", "market"]
    (tmp_path / "vocab.txt").write_text("\n".join(words))
    config = AutoConfig.for_model("bert", vocab_size=len(words), hidden_size=16,
                                  num_hidden_layers=1, num_attention_heads=2,
                                  intermediate_size=32, max_position_embeddings=64)
    path = tmp_path / "tiny-bert"
    AutoModel.from_config(config).save_pretrained(path)
    BertTokenizerFast(vocab_file=str(tmp_path / "vocab.txt")).save_pretrained(path)
    return path


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
