"""The book's chapter-7 attention variants.

- Adaptive span (Sukhbaatar et al. 2019): each head learns how far it looks. The soft mask
  m_z(x) = clamp((R + z − x) / R, 0, 1) of the distance x is 1 up to z, ramps down over R,
  is 0 beyond, and is differentiable in z; the weights are renormalised after it.
- Persistent memory (Sukhbaatar et al. 2019): learned key/value vectors joined to every
  sequence's keys and values, so attention can always look at them.
- Product-key memory (Lample et al. 2019): n sub-keys per half of the query address n² value
  slots; the top k of each half give k² candidates, scored exactly, of which the top k are read.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from myna.nn.attention import MultiHeadSelfAttention, combine_masks


class AdaptiveSpanMask(nn.Module):
    def __init__(self, heads: int, max_span: int, ramp: int = 32, init: float = 0.5):
        super().__init__()
        self.max_span, self.ramp = max_span, ramp
        self.ratio = nn.Parameter(torch.full((heads, 1, 1), float(init)))  # z / max_span

    @property
    def span(self) -> Tensor:
        """z per head, in [0, max_span]."""
        return self.ratio.clamp(0, 1) * self.max_span

    def mask(self, queries: int, keys: int) -> Tensor:
        """m_z(x) for every (head, query, key), x = |query − key|."""
        positions_q = torch.arange(queries, device=self.ratio.device)[:, None]
        positions_k = torch.arange(keys, device=self.ratio.device)[None, :]
        distance = (positions_q - positions_k).abs().float()
        return ((self.ramp + self.span - distance) / self.ramp).clamp(0, 1)

    def forward(self, weights: Tensor) -> Tensor:
        masked = weights * self.mask(weights.size(-2), weights.size(-1))
        return masked / masked.sum(-1, keepdim=True).clamp_min(1e-8)


class AdaptiveSpanAttention(MultiHeadSelfAttention):
    def __init__(self, d_model: int, heads: int, dropout: float = 0.0, max_span: int = 256,
                 ramp: int = 32):
        super().__init__(d_model, heads, dropout)
        self.span_mask = AdaptiveSpanMask(heads, max_span, ramp)

    def forward(self, x: Tensor, mask: Tensor | None = None,
                padding: Tensor | None = None) -> tuple[Tensor, Tensor]:
        q, k, v = self.project(x)
        return self.attend(q, k, v, combine_masks(mask, padding), hook=self.span_mask)


class PersistentMemoryAttention(MultiHeadSelfAttention):
    def __init__(self, d_model: int, heads: int, dropout: float = 0.0, slots: int = 16):
        super().__init__(d_model, heads, dropout)
        d_head = d_model // heads
        self.memory_keys = nn.Parameter(torch.randn(heads, slots, d_head) / d_head ** 0.5)
        self.memory_values = nn.Parameter(torch.randn(heads, slots, d_head) / d_head ** 0.5)

    def forward(self, x: Tensor, mask: Tensor | None = None,
                padding: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """The weights' first ``slots`` keys are the memory's; every query may see them."""
        q, k, v = self.project(x)
        batch, slots = x.size(0), self.memory_keys.size(1)
        k = torch.cat([self.memory_keys.expand(batch, -1, -1, -1), k], dim=2)
        v = torch.cat([self.memory_values.expand(batch, -1, -1, -1), v], dim=2)
        combined = combine_masks(mask, padding)
        if combined is not None:
            open_memory = torch.zeros(*combined.shape[:-1], slots, dtype=torch.bool,
                                      device=combined.device)
            combined = torch.cat([open_memory, combined], dim=-1)
        return self.attend(q, k, v, combined)


class ProductKeyMemory(nn.Module):
    """A (batch, steps, d_model) → (batch, steps, d_model) layer with n² value slots; in a
    transformer block it takes the feed-forward layer's place."""

    def __init__(self, d_model: int, sub_keys: int = 32, k: int = 8, d_key: int = 64):
        super().__init__()
        if d_key % 2:
            raise ValueError("d_key must be even: the query is split into two halves")
        if k > sub_keys:
            raise ValueError(f"k ({k}) cannot exceed the number of sub-keys ({sub_keys})")
        self.n, self.k = sub_keys, k
        self.query = nn.Linear(d_model, d_key)
        self.keys = nn.Parameter(torch.randn(2, sub_keys, d_key // 2) / (d_key // 2) ** 0.5)
        self.values = nn.EmbeddingBag(sub_keys * sub_keys, d_model, mode="sum")
        nn.init.normal_(self.values.weight, std=d_model ** -0.5)

    def candidates(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """The k² candidate slots of every position and their exact scores: (…, k²) each."""
        q1, q2 = self.query(x).chunk(2, dim=-1)
        s1, i1 = (q1 @ self.keys[0].T).topk(self.k, dim=-1)
        s2, i2 = (q2 @ self.keys[1].T).topk(self.k, dim=-1)
        scores = (s1[..., :, None] + s2[..., None, :]).flatten(-2)
        slots = (i1[..., :, None] * self.n + i2[..., None, :]).flatten(-2)
        return scores, slots

    def select(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """The top k of the candidates: their slots and softmax weights."""
        scores, slots = self.candidates(x)
        best, where = scores.topk(self.k, dim=-1)
        return slots.gather(-1, where), torch.softmax(best, dim=-1)

    def forward(self, x: Tensor) -> Tensor:
        slots, weights = self.select(x)
        flat = self.values(slots.reshape(-1, self.k),
                           per_sample_weights=weights.reshape(-1, self.k))
        return flat.view(*x.shape[:-1], -1)
