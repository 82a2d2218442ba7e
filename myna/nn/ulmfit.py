"""ULMFiT's classifier (Howard and Ruder 2018): a language model's LSTM encoder under a head
that pools the states three ways (the last real step, the max and the mean: "concat pooling").
Its layer groups, bottom to top, are what gradual unfreezing and discriminative learning rates
work on: the embeddings, each LSTM layer, the head."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from myna.nn.language_models import LMConfig, LSTMEncoder


class ULMFiTClassifier(nn.Module):
    def __init__(self, lm_config: LMConfig, num_labels: int, head_hidden: int = 50):
        super().__init__()
        self.encoder = LSTMEncoder(lm_config)
        size = lm_config.embed_dim
        self.head = nn.Sequential(nn.Dropout(lm_config.dropout), nn.Linear(3 * size, head_hidden),
                                  nn.ReLU(), nn.Dropout(lm_config.dropout / 2),
                                  nn.Linear(head_hidden, num_labels))

    @property
    def embed(self) -> nn.Embedding:
        return self.encoder.embed

    def layer_groups(self) -> list[list[nn.Parameter]]:
        groups = [list(self.encoder.embed.parameters())]
        groups += [list(layer.parameters()) for layer in self.encoder.layers]
        return [*groups, list(self.head.parameters())]

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        states = self.encoder(ids)
        real = torch.arange(ids.size(1), device=ids.device)[None] < lengths[:, None]
        last = states[torch.arange(ids.size(0)), (lengths - 1).clamp_min(0)]
        maxed = states.masked_fill(~real[..., None], float("-inf")).max(1).values
        keep = real[..., None].float()
        mean = (states * keep).sum(1) / keep.sum(1).clamp_min(1)
        return self.head(torch.cat([last, maxed, mean], dim=-1))
