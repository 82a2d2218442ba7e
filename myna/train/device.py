"""Where from-scratch models train and in what precision (appendix A of the book): ``--device
auto|cpu|cuda|cuda:N`` (auto: a GPU when PyTorch sees one) and ``--precision
auto|fp32|fp16|bf16`` (auto: bf16 on a GPU that has it, else fp16 on a GPU, fp32 on a CPU).
Mixed precision runs the forward pass under autocast; fp16 also scales the loss."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from myna.core.errors import InputError, MynaError

PRECISIONS = ("auto", "fp32", "fp16", "bf16")


@dataclass
class Placement:
    device: str
    precision: str

    @property
    def mixed(self) -> bool:
        return self.precision in ("fp16", "bf16")

    @contextlib.contextmanager
    def autocast(self) -> Iterator[None]:
        import torch

        if not self.mixed:
            yield
            return
        dtype = torch.float16 if self.precision == "fp16" else torch.bfloat16
        with torch.autocast(device_type="cuda", dtype=dtype):
            yield

    def scaler(self) -> Any:
        """A gradient scaler for fp16 (a no-op one otherwise)."""
        import torch

        return torch.amp.GradScaler("cuda", enabled=self.precision == "fp16")

    @staticmethod
    def update(loss: Any, optimizer: Any, scaler: Any, parameters: Any, clip: float) -> float:
        """One optimizer step: backward (scaled for fp16), gradients clipped to ``clip``."""
        import torch

        optimizer.zero_grad()
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(parameters, clip)
        scaler.step(optimizer)
        scaler.update()
        return float(loss.item())


def placement(device: str | None, precision: str | None) -> Placement:
    import torch

    from myna.models.hf_backend import resolve_device

    try:
        chosen = resolve_device(device)
    except MynaError as err:
        raise InputError(err.message, where="--device", hint=err.hint) from None
    wanted = precision or "auto"
    if wanted not in PRECISIONS:
        raise InputError(f"must be one of {', '.join(PRECISIONS)} (got {wanted!r})",
                         where="--precision")
    on_gpu = chosen.startswith("cuda")
    if wanted == "auto":
        wanted = ("bf16" if torch.cuda.is_bf16_supported() else "fp16") if on_gpu else "fp32"
    if wanted != "fp32" and not on_gpu:
        raise InputError(f"mixed precision ({wanted}) trains on a GPU; this run is on the CPU",
                         where="--precision", hint="use --precision fp32 (or auto)")
    return Placement(chosen, wanted)
