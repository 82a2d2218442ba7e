"""Text classifiers built from scratch on token ids: recurrent (RNN, bidirectional RNN, LSTM,
GRU) and a transformer encoder with any of the attention variants. The recurrent ones use
PyTorch's fused layers for speed; `myna.nn.rnn.RNN` is the same RNN written out (tested equal).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import Tensor, nn

from myna.nn.names import ARCHS, ATTENTION, RECURRENT
from myna.nn.transformer import Encoder


@dataclass
class ClassifierConfig:
    arch: str
    vocab_size: int
    num_labels: int
    embed_dim: int = 100
    hidden: int = 128
    layers: int = 1
    dropout: float = 0.2
    heads: int = 4
    max_len: int = 256
    attention: str = "full"
    padding_idx: int = 0

    def __post_init__(self) -> None:
        if self.arch not in (*ARCHS, "ulmfit"):
            raise ValueError(f"arch must be one of {', '.join(ARCHS)}, not {self.arch!r}")
        if self.attention not in ATTENTION:
            raise ValueError(f"attention must be one of {', '.join(ATTENTION)}")

    def as_dict(self) -> dict:
        return asdict(self)


class RecurrentClassifier(nn.Module):
    """Embeddings → RNN/LSTM/GRU → the last real step's hidden state (both directions for a
    bidirectional one) → dropout → linear."""

    def __init__(self, config: ClassifierConfig):
        super().__init__()
        self.embed = nn.Embedding(config.vocab_size, config.embed_dim,
                                  padding_idx=config.padding_idx)
        layer = {"rnn": nn.RNN, "birnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[config.arch]
        self.bidirectional = config.arch == "birnn"
        self.recurrent = layer(config.embed_dim, config.hidden, num_layers=config.layers,
                               batch_first=True, bidirectional=self.bidirectional,
                               dropout=config.dropout if config.layers > 1 else 0.0)
        self.dropout = nn.Dropout(config.dropout)
        self.out = nn.Linear(config.hidden * (2 if self.bidirectional else 1), config.num_labels)

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        packed = nn.utils.rnn.pack_padded_sequence(
            self.dropout(self.embed(ids)), lengths.clamp_min(1).cpu(), batch_first=True,
            enforce_sorted=False)
        _, state = self.recurrent(packed)
        h = state[0] if isinstance(state, tuple) else state  # an LSTM's (h, c)
        last = torch.cat([h[-2], h[-1]], dim=-1) if self.bidirectional else h[-1]
        return self.out(self.dropout(last))


class TransformerClassifier(nn.Module):
    """A from-scratch encoder; the mean of the real steps' states → dropout → linear."""

    def __init__(self, config: ClassifierConfig):
        super().__init__()
        self.encoder = Encoder(config.vocab_size, config.embed_dim, config.heads, config.layers,
                               config.hidden, config.dropout, config.max_len, config.attention,
                               config.padding_idx)
        self.dropout = nn.Dropout(config.dropout)
        self.out = nn.Linear(config.embed_dim, config.num_labels)

    @property
    def embed(self) -> nn.Embedding:
        return self.encoder.embed.tokens

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        padding = torch.arange(ids.size(1), device=ids.device)[None] >= lengths[:, None]
        states = self.encoder(ids, padding=padding)
        keep = (~padding).unsqueeze(-1).float()
        pooled = (states * keep).sum(1) / keep.sum(1).clamp_min(1)
        return self.out(self.dropout(pooled))


def build_classifier(config: ClassifierConfig) -> nn.Module:
    if config.arch in RECURRENT:
        return RecurrentClassifier(config)
    if config.arch == "ulmfit":
        from myna.nn.language_models import LMConfig
        from myna.nn.ulmfit import ULMFiTClassifier

        return ULMFiTClassifier(LMConfig("lstm", config.vocab_size, config.embed_dim,
                                         config.hidden, config.layers, config.dropout,
                                         padding_idx=config.padding_idx), config.num_labels)
    return TransformerClassifier(config)


def load_state(model: nn.Module, state: dict[str, Tensor]) -> None:
    """Load weights whether or not they were saved from a ``DataParallel`` wrapper (whose keys
    all start with ``module.``)."""
    if state and all(key.startswith("module.") for key in state):
        state = {key.removeprefix("module."): value for key, value in state.items()}
    model.load_state_dict(state)
