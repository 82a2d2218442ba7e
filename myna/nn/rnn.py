"""An Elman RNN written out step by step, with PyTorch's parameter names and shapes so the
weights of a ``torch.nn.RNN`` load into it (and the outputs match)."""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn


class RNNCell(nn.Module):
    """h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh)."""

    def __init__(self, input_size: int, hidden_size: int, nonlinearity: str = "tanh"):
        super().__init__()
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be tanh or relu, not {nonlinearity!r}")
        self.hidden_size = hidden_size
        self.activation = torch.tanh if nonlinearity == "tanh" else torch.relu
        self.weight_ih = nn.Parameter(torch.empty(hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(hidden_size))
        bound = 1 / math.sqrt(hidden_size)  # PyTorch's initialisation
        for weight in self.parameters():
            nn.init.uniform_(weight, -bound, bound)

    def forward(self, x: Tensor, h: Tensor) -> Tensor:
        return self.activation(x @ self.weight_ih.T + self.bias_ih
                               + h @ self.weight_hh.T + self.bias_hh)


class RNN(nn.Module):
    """Layers of :class:`RNNCell` over a batch-first sequence, optionally bidirectional.
    Returns ``(outputs, h_n)`` as ``torch.nn.RNN(batch_first=True)`` does; ``lengths`` stops
    each sequence's state at its last real step (padding after it is ignored)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bidirectional: bool = False, nonlinearity: str = "tanh"):
        super().__init__()
        self.hidden_size, self.num_layers = hidden_size, num_layers
        self.directions = 2 if bidirectional else 1
        self.cells: list[RNNCell] = nn.ModuleList()  # type: ignore[assignment]
        for layer in range(num_layers):
            size = input_size if layer == 0 else hidden_size * self.directions
            for _ in range(self.directions):
                self.cells.append(RNNCell(size, hidden_size, nonlinearity))

    def load_torch_weights(self, torch_rnn: nn.RNN) -> None:
        """Copy a ``torch.nn.RNN``'s weights (same sizes) into this layer."""
        state = torch_rnn.state_dict()
        for index, cell in enumerate(self.cells):
            layer, direction = divmod(index, self.directions)
            suffix = f"l{layer}" + ("_reverse" if direction else "")
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(cell, name).data.copy_(state[f"{name}_{suffix}"])

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> tuple[Tensor, Tensor]:
        batch, steps, _ = x.shape
        if lengths is None:
            lengths = torch.full((batch,), steps, dtype=torch.long, device=x.device)
        finals = []
        inputs = x
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.directions):
                cell = self.cells[layer * self.directions + direction]
                out, last = self._run(cell, inputs, lengths, reverse=direction == 1)
                outputs.append(out)
                finals.append(last)
            inputs = torch.cat(outputs, dim=-1)
        return inputs, torch.stack(finals)

    def _run(self, cell: RNNCell, x: Tensor, lengths: Tensor, reverse: bool,
             ) -> tuple[Tensor, Tensor]:
        batch, steps, _ = x.shape
        h = x.new_zeros(batch, self.hidden_size)
        outputs = [x.new_zeros(batch, self.hidden_size)] * steps
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        for t in order:
            live = (t < lengths).unsqueeze(1)  # padding steps leave the state as it was
            h = torch.where(live, cell(x[:, t], h), h)
            outputs[t] = torch.where(live, h, torch.zeros_like(h))
        return torch.stack(outputs, dim=1), h
