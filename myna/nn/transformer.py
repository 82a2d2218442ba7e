"""Transformer blocks from the pieces in this package: an encoder block laid out as
``torch.nn.TransformerEncoderLayer`` (post-norm, ReLU; its weights load with
:func:`load_torch_encoder_layer`), an encoder for classification and a causal decoder
(a language model), each with a choice of attention."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from myna.nn.attention import MultiHeadSelfAttention, causal_mask
from myna.nn.names import ATTENTION
from myna.nn.variants import AdaptiveSpanAttention, PersistentMemoryAttention, ProductKeyMemory

__all__ = ["ATTENTION", "CausalDecoder", "Encoder", "EncoderBlock", "load_torch_encoder_layer"]


def make_attention(kind: str, d_model: int, heads: int, dropout: float, max_len: int,
                   ) -> MultiHeadSelfAttention:
    if kind == "adaptive-span":
        return AdaptiveSpanAttention(d_model, heads, dropout, max_span=max_len,
                                     ramp=max(4, max_len // 8))
    if kind == "persistent-memory":
        return PersistentMemoryAttention(d_model, heads, dropout)
    if kind in ("full", "product-key"):  # product keys replace the feed-forward layer
        return MultiHeadSelfAttention(d_model, heads, dropout)
    raise ValueError(f"attention must be one of {', '.join(ATTENTION)}, not {kind!r}")


class EncoderBlock(nn.Module):
    """x + attention → norm → x + feed-forward (or product-key memory) → norm."""

    def __init__(self, d_model: int, heads: int, d_ff: int, dropout: float = 0.1,
                 attention: str = "full", max_len: int = 512):
        super().__init__()
        self.self_attn = make_attention(attention, d_model, heads, dropout, max_len)
        self.feed_forward: nn.Module = (
            ProductKeyMemory(d_model) if attention == "product-key" else nn.Sequential(
                nn.Linear(d_model, d_ff), nn.ReLU(), nn.Dropout(dropout),
                nn.Linear(d_ff, d_model)))
        self.norm1, self.norm2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.dropout1, self.dropout2 = nn.Dropout(dropout), nn.Dropout(dropout)
        self.last_weights: Tensor | None = None  # (batch, heads, steps, keys), for plots

    def forward(self, x: Tensor, mask: Tensor | None = None,
                padding: Tensor | None = None) -> Tensor:
        attended, self.last_weights = self.self_attn(x, mask, padding)
        x = self.norm1(x + self.dropout1(attended))
        return self.norm2(x + self.dropout2(self.feed_forward(x)))


def load_torch_encoder_layer(block: EncoderBlock, layer: nn.TransformerEncoderLayer) -> None:
    """Copy a ``TransformerEncoderLayer``'s weights (full attention, same sizes)."""
    state = layer.state_dict()
    ours = {"self_attn.in_proj_weight": "self_attn.in_proj_weight",
            "self_attn.in_proj_bias": "self_attn.in_proj_bias",
            "self_attn.out_proj.weight": "self_attn.out_proj.weight",
            "self_attn.out_proj.bias": "self_attn.out_proj.bias",
            "feed_forward.0.weight": "linear1.weight", "feed_forward.0.bias": "linear1.bias",
            "feed_forward.3.weight": "linear2.weight", "feed_forward.3.bias": "linear2.bias",
            "norm1.weight": "norm1.weight", "norm1.bias": "norm1.bias",
            "norm2.weight": "norm2.weight", "norm2.bias": "norm2.bias"}
    block.load_state_dict({name: state[theirs] for name, theirs in ours.items()})


class Embeddings(nn.Module):
    """Token plus learned position embeddings."""

    def __init__(self, vocab: int, d_model: int, max_len: int, dropout: float,
                 padding_idx: int | None = None):
        super().__init__()
        self.tokens = nn.Embedding(vocab, d_model, padding_idx=padding_idx)
        self.positions = nn.Embedding(max_len, d_model)
        self.dropout = nn.Dropout(dropout)
        self.max_len = max_len

    def forward(self, ids: Tensor) -> Tensor:
        if ids.size(1) > self.max_len:
            raise ValueError(f"{ids.size(1)} steps exceed max_len {self.max_len}")
        steps = torch.arange(ids.size(1), device=ids.device)
        return self.dropout(self.tokens(ids) + self.positions(steps)[None])


class Encoder(nn.Module):
    """Embeddings and encoder blocks: (batch, steps) ids → (batch, steps, d_model) states."""

    def __init__(self, vocab: int, d_model: int = 128, heads: int = 4, layers: int = 2,
                 d_ff: int = 256, dropout: float = 0.1, max_len: int = 256,
                 attention: str = "full", padding_idx: int = 0):
        super().__init__()
        self.embed = Embeddings(vocab, d_model, max_len, dropout, padding_idx)
        self.blocks = nn.ModuleList(EncoderBlock(d_model, heads, d_ff, dropout, attention,
                                                 max_len) for _ in range(layers))

    def forward(self, ids: Tensor, padding: Tensor | None = None,
                mask: Tensor | None = None) -> Tensor:
        x = self.embed(ids)
        for block in self.blocks:
            x = block(x, mask, padding)
        return x


class CausalDecoder(nn.Module):
    """A language model: each step sees itself and earlier steps only; the output layer
    shares the token embeddings' weights. ids (batch, steps) → logits (batch, steps, vocab)."""

    def __init__(self, vocab: int, d_model: int = 128, heads: int = 4, layers: int = 2,
                 d_ff: int = 256, dropout: float = 0.1, max_len: int = 256,
                 attention: str = "full"):
        super().__init__()
        self.encoder = Encoder(vocab, d_model, heads, layers, d_ff, dropout, max_len,
                               attention, padding_idx=0)
        self.head = nn.Linear(d_model, vocab, bias=False)
        self.head.weight = self.encoder.embed.tokens.weight
        # Tied weights at nn.Embedding's N(0, 1) give logits of spread √d_model (a first loss
        # near 18 at 128 dimensions, and a slow start); N(0, 1/d_model) gives them spread 1.
        # Positions get the same scale, or they drown the tokens.
        for table in (self.encoder.embed.tokens, self.encoder.embed.positions):
            nn.init.normal_(table.weight, std=d_model ** -0.5)

    def forward(self, ids: Tensor) -> Tensor:
        states = self.encoder(ids, mask=causal_mask(ids.size(1), ids.device))
        return self.head(states)
