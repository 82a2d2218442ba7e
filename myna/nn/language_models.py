"""Language models from scratch: an LSTM (the ULMFiT family: its encoder, the embeddings and
LSTM layers, is what a classifier reuses) and a causal transformer decoder. Both map token ids
(batch, steps) to next-token logits (batch, steps, vocab), with input and output embeddings
tied."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from torch import Tensor, nn

from myna.nn.transformer import CausalDecoder

LM_ARCHS = ("lstm", "transformer")


@dataclass
class LMConfig:
    arch: str
    vocab_size: int
    embed_dim: int = 128
    hidden: int = 256
    layers: int = 2
    dropout: float = 0.2
    heads: int = 4
    max_len: int = 256
    padding_idx: int = 0

    def __post_init__(self) -> None:
        if self.arch not in LM_ARCHS:
            raise ValueError(f"arch must be one of {', '.join(LM_ARCHS)}, not {self.arch!r}")

    def as_dict(self) -> dict:
        return asdict(self)


class LSTMEncoder(nn.Module):
    """Embeddings → dropout → stacked LSTM layers (each its own module, so ULMFiT can unfreeze
    them one at a time) → states of the embedding size."""

    def __init__(self, config: LMConfig):
        super().__init__()
        self.embed = nn.Embedding(config.vocab_size, config.embed_dim,
                                  padding_idx=config.padding_idx)
        sizes = [config.embed_dim] + [config.hidden] * (config.layers - 1) + [config.embed_dim]
        self.layers = nn.ModuleList(nn.LSTM(sizes[i], sizes[i + 1], batch_first=True)
                                    for i in range(config.layers))
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, ids: Tensor) -> Tensor:
        x = self.dropout(self.embed(ids))
        for layer in self.layers:
            x, _ = layer(x)
            x = self.dropout(x)
        return x


class LSTMLanguageModel(nn.Module):
    def __init__(self, config: LMConfig):
        super().__init__()
        self.encoder = LSTMEncoder(config)
        self.head = nn.Linear(config.embed_dim, config.vocab_size, bias=False)
        self.head.weight = self.encoder.embed.weight

    def forward(self, ids: Tensor) -> Tensor:
        return self.head(self.encoder(ids))


def build_language_model(config: LMConfig) -> nn.Module:
    if config.arch == "lstm":
        return LSTMLanguageModel(config)
    return CausalDecoder(config.vocab_size, config.embed_dim, config.heads, config.layers,
                         config.hidden, config.dropout, config.max_len)
