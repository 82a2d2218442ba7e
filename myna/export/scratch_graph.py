"""From-scratch classifiers (`myna.nn.classifiers`) as ONNX graphs: token ids and lengths in,
logits out, any batch size and length.

The transformer ones trace as they are. The recurrent ones use PyTorch's packed sequences,
which the ONNX exporter fails on; `PaddedRecurrent` computes the same thing without them: each
direction of each layer runs as a one-direction layer over the padded batch (the backward one
over every text reversed within its own length), and the last real step is gathered."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

OPSET = 17


def _one_direction(recurrent: nn.RNNBase, layer: int, suffix: str, input_size: int) -> nn.Module:
    """A one-layer, one-direction copy of ``recurrent``'s layer ``layer`` (direction by
    ``suffix``: "" forward, "_reverse" backward)."""
    options: dict[str, Any] = {"batch_first": True}
    if isinstance(recurrent, nn.RNN):
        options["nonlinearity"] = recurrent.nonlinearity
    kind: Any = type(recurrent)  # nn.RNN, nn.GRU or nn.LSTM
    copy = kind(input_size, recurrent.hidden_size, num_layers=1, bias=recurrent.bias,
                **options)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", *(("bias_ih", "bias_hh") if recurrent.bias
                                                 else ())):
            getattr(copy, f"{name}_l0").copy_(getattr(recurrent, f"{name}_l{layer}{suffix}"))
    return copy


class PaddedRecurrent(nn.Module):
    def __init__(self, model: Any):
        super().__init__()
        recurrent = model.recurrent
        self.embed, self.out = model.embed, model.out
        self.bidirectional = recurrent.bidirectional
        directions = 2 if self.bidirectional else 1
        self.layers = nn.ModuleList()
        for layer in range(recurrent.num_layers):
            size = recurrent.input_size if layer == 0 else recurrent.hidden_size * directions
            self.layers.append(nn.ModuleList(
                _one_direction(recurrent, layer, suffix, size)
                for suffix in ("", "_reverse")[:directions]))

    def forward(self, ids: Tensor, lengths: Tensor) -> Tensor:
        lengths = lengths.clamp_min(1)
        x = self.embed(ids)
        positions = torch.arange(ids.size(1), device=ids.device)[None]
        real = positions < lengths[:, None]
        # each text reversed within its length (padding stays where it is)
        reverse = torch.where(real, lengths[:, None] - 1 - positions, positions)
        directions: Any
        for directions in self.layers:
            forward = directions[0](x)[0]
            if self.bidirectional:
                index = reverse.unsqueeze(-1).expand(-1, -1, x.size(-1))
                backward = directions[1](x.gather(1, index))[0]
                back_index = reverse.unsqueeze(-1).expand(-1, -1, backward.size(-1))
                backward = backward.gather(1, back_index)
                x = torch.cat([forward, backward], dim=-1)
            else:
                x = forward
        rows = torch.arange(ids.size(0), device=ids.device)
        last = forward[rows, lengths - 1]
        if self.bidirectional:
            last = torch.cat([last, backward[:, 0]], dim=-1)  # the backward pass ends at 0
        return self.out(last)


def exportable(model: Any) -> nn.Module:
    from myna.nn.classifiers import RecurrentClassifier, TransformerClassifier

    if isinstance(model, RecurrentClassifier):
        return PaddedRecurrent(model).eval()
    if isinstance(model, TransformerClassifier):
        return model
    raise TypeError(type(model).__name__)


def export_scratch(model: Any, sample: tuple[Tensor, Tensor], path: Path) -> Path:
    """Trace on a sample batch (ids, lengths) of at least two texts of different lengths."""
    import onnx

    graph = exportable(model.float().eval().cpu())
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(graph, sample, str(path), input_names=["ids", "lengths"],
                          output_names=["logits"],
                          dynamic_axes={"ids": {0: "batch", 1: "sequence"},
                                        "lengths": {0: "batch"}, "logits": {0: "batch"}},
                          opset_version=OPSET, dynamo=False)
    onnx.checker.check_model(str(path))
    return path
