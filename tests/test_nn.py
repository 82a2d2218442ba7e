"""The from-scratch layers against PyTorch's own or a brute-force computation: the RNN's
states equal torch.nn.RNN's with the same weights, multi-head attention equals
torch.nn.MultiheadAttention's, an encoder block equals TransformerEncoderLayer's, the
adaptive-span mask has the book's shape and a gradient in z, persistent memory is seen by
every query, product keys read the same slots as scoring all n² of them, and the causal
decoder never looks ahead."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from myna.nn.attention import MultiHeadSelfAttention, causal_mask, scaled_dot_product_attention
from myna.nn.rnn import RNN, RNNCell
from myna.nn.transformer import ATTENTION, CausalDecoder, EncoderBlock, load_torch_encoder_layer
from myna.nn.variants import AdaptiveSpanMask, PersistentMemoryAttention, ProductKeyMemory


@pytest.fixture(autouse=True)
def seeded():
    torch.manual_seed(0)


@pytest.mark.parametrize("layers,bidirectional", [(1, False), (2, True)])
def test_rnn_equals_torch_rnn_with_the_same_weights(layers, bidirectional):
    theirs = nn.RNN(5, 7, num_layers=layers, bidirectional=bidirectional, batch_first=True)
    ours = RNN(5, 7, num_layers=layers, bidirectional=bidirectional)
    ours.load_torch_weights(theirs)
    x = torch.randn(3, 6, 5)
    out, h = ours(x)
    expected_out, expected_h = theirs(x)
    assert torch.allclose(out, expected_out, atol=1e-5)
    assert torch.allclose(h, expected_h, atol=1e-5)
    # Padding after a sequence's end changes nothing: the packed-sequence result.
    lengths = torch.tensor([6, 4, 2])
    packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True)
    _, expected_h = theirs(packed)
    assert torch.allclose(ours(x, lengths)[1], expected_h, atol=1e-5)


def test_rnn_cell_is_one_step_of_the_formula():
    cell = RNNCell(3, 4)
    x, h = torch.randn(2, 3), torch.randn(2, 4)
    torch_cell = nn.RNNCell(3, 4)
    torch_cell.load_state_dict(cell.state_dict())
    assert torch.allclose(cell(x, h), torch_cell(x, h), atol=1e-6)


def test_scaled_dot_product_attention_rows_sum_to_one_and_masks_hold():
    q, k, v = torch.randn(2, 5, 8), torch.randn(2, 5, 8), torch.randn(2, 5, 8)
    out, weights = scaled_dot_product_attention(q, k, v, causal_mask(5))
    assert torch.allclose(weights.sum(-1), torch.ones(2, 5))
    assert (weights.triu(1) == 0).all()
    expected = nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert torch.allclose(out, expected, atol=1e-6)


def test_multi_head_attention_equals_torch_with_copied_weights():
    theirs = nn.MultiheadAttention(16, 4, batch_first=True)
    ours = MultiHeadSelfAttention(16, 4)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(2, 7, 16)
    padding = torch.tensor([[False] * 7, [False] * 5 + [True] * 2])
    out, weights = ours(x, causal_mask(7), padding)
    expected, expected_weights = theirs(x, x, x, attn_mask=causal_mask(7),
                                        key_padding_mask=padding, average_attn_weights=False)
    assert torch.allclose(out, expected, atol=1e-5)
    assert torch.allclose(weights, expected_weights, atol=1e-6)


def test_encoder_block_equals_torch_transformer_encoder_layer():
    theirs = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.0,
                                        batch_first=True)
    ours = EncoderBlock(16, 4, 32, dropout=0.0)
    load_torch_encoder_layer(ours, theirs)
    theirs.eval()
    ours.eval()
    x = torch.randn(2, 6, 16)
    assert torch.allclose(ours(x), theirs(x), atol=1e-5)


def test_adaptive_span_mask_has_the_ramp_and_a_gradient_in_z():
    span = AdaptiveSpanMask(heads=1, max_span=20, ramp=4, init=0.5)  # z = 10
    m = span.mask(1, 20)[0, 0]  # distances 0..19 from query 0
    assert torch.allclose(m[:11], torch.ones(11))  # 1 up to z
    assert torch.allclose(m[11:14], torch.tensor([0.75, 0.5, 0.25]))  # the linear ramp
    assert (m[14:] == 0).all()  # 0 beyond z + R
    m.sum().backward()
    assert span.ratio.grad is not None and span.ratio.grad.abs().sum() > 0
    weights = torch.softmax(torch.randn(1, 1, 20, 20), -1)
    assert torch.allclose(span(weights).sum(-1), torch.ones(1, 1, 20), atol=1e-5)


def test_persistent_memory_is_seen_by_every_query_even_under_a_causal_mask():
    layer = PersistentMemoryAttention(16, 4, slots=3)
    x = torch.randn(2, 5, 16)
    _, weights = layer(x, causal_mask(5))
    assert weights.shape == (2, 4, 5, 3 + 5)
    assert (weights[..., :3] > 0).all()  # the memory slots are open to all
    assert (weights[..., 3:].triu(1) == 0).all()  # the sequence stays causal
    assert torch.allclose(weights.sum(-1), torch.ones(2, 4, 5), atol=1e-6)


def test_product_keys_score_k_squared_candidates_and_find_the_true_top_k():
    memory = ProductKeyMemory(d_model=12, sub_keys=10, k=3, d_key=8)
    x = torch.randn(4, 12)
    scores, slots = memory.candidates(x)
    assert scores.shape == slots.shape == (4, 9)  # exactly k² candidates of n² = 100 slots
    chosen, weights = memory.select(x)
    q1, q2 = memory.query(x).chunk(2, -1)
    everything = ((q1 @ memory.keys[0].T)[:, :, None] + (q2 @ memory.keys[1].T)[:, None, :])
    brute_scores, brute_slots = everything.flatten(1).topk(3, dim=-1)
    assert torch.equal(chosen.sort(-1).values, brute_slots.sort(-1).values)
    assert torch.allclose(weights, torch.softmax(brute_scores, -1), atol=1e-6)
    out = memory(x)
    expected = (weights[..., None] * memory.values.weight[chosen]).sum(1)
    assert out.shape == (4, 12) and torch.allclose(out, expected, atol=1e-6)


@pytest.mark.parametrize("attention", ATTENTION)
def test_causal_decoder_never_looks_ahead(attention):
    model = CausalDecoder(vocab=50, d_model=16, heads=2, layers=2, d_ff=32, dropout=0.0,
                          max_len=12, attention=attention).eval()
    ids = torch.randint(1, 50, (2, 10))
    changed = ids.clone()
    changed[:, 6:] = torch.randint(1, 50, (2, 4))
    before, after = model(ids), model(changed)
    assert before.shape == (2, 10, 50)
    assert torch.allclose(before[:, :6], after[:, :6], atol=1e-5)
    assert not torch.allclose(before[:, 6:], after[:, 6:], atol=1e-5)
    before.sum().backward()  # every variant trains end to end


def test_a_state_dict_saved_from_data_parallel_loads_either_way():
    from myna.nn.classifiers import ClassifierConfig, build_classifier, load_state

    config = ClassifierConfig("gru", vocab_size=30, num_labels=3, embed_dim=8, hidden=8)
    trained = build_classifier(config).eval()
    wrapped = nn.DataParallel(trained)  # on a CPU-only machine it only wraps
    assert all(key.startswith("module.") for key in wrapped.state_dict())
    ids, lengths = torch.randint(1, 30, (2, 5)), torch.tensor([5, 3])
    for state in (wrapped.state_dict(), trained.state_dict()):
        fresh = build_classifier(config).eval()
        load_state(fresh, state)
        assert torch.allclose(fresh(ids, lengths), trained(ids, lengths))
