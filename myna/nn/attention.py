"""Scaled dot-product attention and multi-head self-attention, written out. The multi-head
layer keeps ``torch.nn.MultiheadAttention``'s parameter layout (``in_proj_weight``,
``in_proj_bias``, ``out_proj``), so that layer's state dict loads into it unchanged."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import Tensor, nn

# Rewrites the attention probabilities (batch, heads, queries, keys) after the softmax: the
# adaptive-span mask is one.
WeightHook = Callable[[Tensor], Tensor]


def scaled_dot_product_attention(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None = None,
                                 dropout: float = 0.0, hook: WeightHook | None = None,
                                 ) -> tuple[Tensor, Tensor]:
    """softmax(q kᵀ / √d) v. ``mask`` is True where a query may NOT look (PyTorch's boolean
    convention), broadcast over (…, queries, keys). Returns the output and the weights."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    if mask is not None:
        scores = scores.masked_fill(mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if hook is not None:
        weights = hook(weights)
    if dropout:
        weights = nn.functional.dropout(weights, dropout)
    return weights @ v, weights


def causal_mask(steps: int, device: torch.device | None = None) -> Tensor:
    """True above the diagonal: step t sees steps ≤ t only."""
    return torch.ones(steps, steps, dtype=torch.bool, device=device).triu(1)


class MultiHeadSelfAttention(nn.Module):
    """Self-attention over a batch-first sequence (batch, steps, d_model)."""

    def __init__(self, d_model: int, heads: int, dropout: float = 0.0):
        super().__init__()
        if d_model % heads:
            raise ValueError(f"d_model {d_model} is not a multiple of heads {heads}")
        self.d_model, self.heads, self.dropout = d_model, heads, dropout
        self.in_proj_weight = nn.Parameter(torch.empty(3 * d_model, d_model))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * d_model))
        self.out_proj = nn.Linear(d_model, d_model)
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.zeros_(self.out_proj.bias)

    def split(self, x: Tensor) -> Tensor:
        """(batch, steps, d_model) → (batch, heads, steps, d_head)."""
        batch, steps, _ = x.shape
        return x.view(batch, steps, self.heads, -1).transpose(1, 2)

    def project(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        q, k, v = nn.functional.linear(x, self.in_proj_weight, self.in_proj_bias).chunk(3, -1)
        return self.split(q), self.split(k), self.split(v)

    def attend(self, q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None,
               hook: WeightHook | None = None) -> tuple[Tensor, Tensor]:
        out, weights = scaled_dot_product_attention(
            q, k, v, mask, self.dropout if self.training else 0.0, hook)
        batch, _, steps, _ = out.shape
        return self.out_proj(out.transpose(1, 2).reshape(batch, steps, self.d_model)), weights

    def forward(self, x: Tensor, mask: Tensor | None = None,
                padding: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """``mask`` (steps, steps) and ``padding`` (batch, steps) are True where not to look.
        Returns the output and the per-head weights (batch, heads, steps, steps)."""
        q, k, v = self.project(x)
        return self.attend(q, k, v, combine_masks(mask, padding))


def combine_masks(mask: Tensor | None, padding: Tensor | None) -> Tensor | None:
    """One boolean mask broadcastable to (batch, heads, queries, keys)."""
    if padding is None:
        return mask
    keys = padding[:, None, None, :]
    return keys if mask is None else keys | mask
