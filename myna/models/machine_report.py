"""What `myna doctor` reports: the Python and library versions, the CPU, whether CUDA is
usable and each GPU's name and memory, and a short matrix-product throughput check per device.
Nothing here fails for want of a GPU: no GPU is a finding, not an error."""

from __future__ import annotations

import os
import platform
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from typing import Any

LIBRARIES = ("myna", "torch", "transformers", "sentence-transformers", "spacy", "mlflow",
             "pyspark", "accelerate", "onnx", "onnxruntime", "faiss-cpu", "gensim",
             "tokenizers", "fastapi", "streamlit")


@dataclass
class Gpu:
    index: int
    name: str
    memory_gib: float
    capability: str
    bf16: bool


@dataclass
class SystemReport:
    python: str
    platform: str
    cpus: int
    memory_gib: float
    libraries: dict[str, str | None]
    cuda_build: str | None  # the CUDA version PyTorch was built with (None: a CPU build)
    cuda_usable: bool
    why_no_gpu: str | None
    gpus: list[Gpu] = field(default_factory=list)
    gflops: dict[str, float] = field(default_factory=dict)  # device/precision → GFLOP/s
    myna_device: str = ""  # what Myna's settings (MYNA_DEVICE, MYNA_PRECISION) resolve to
    myna_precision: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def library_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _gpus(torch: Any) -> list[Gpu]:
    found = []
    for i in range(torch.cuda.device_count()):
        props = torch.cuda.get_device_properties(i)
        found.append(Gpu(i, props.name, round(props.total_memory / 2**30, 1),
                         f"{props.major}.{props.minor}", props.major >= 8))
    return found


def _why_no_gpu(torch: Any) -> str | None:
    if torch.cuda.is_available():
        return None
    if torch.version.cuda is None:
        return f"PyTorch {torch.__version__} is a CPU build"
    return (f"PyTorch is built for CUDA {torch.version.cuda} but sees no usable GPU "
            "(no device, no driver, or CUDA_VISIBLE_DEVICES hides them)")


def _myna_placement() -> tuple[str, str]:
    """Where Myna's Hugging Face models run by default here, or why the settings cannot be
    met (MYNA_DEVICE=cuda on a machine without one)."""
    from myna.core.errors import MynaError
    from myna.models.hf_backend import resolve_device, resolve_precision

    try:
        device = resolve_device(None)
        return device, resolve_precision(device, None)
    except MynaError as err:
        return f"unusable: {err.message}", ""


def matmul_gflops(device: str, dtype_name: str = "fp32", size: int = 1024,
                  seconds: float = 0.3) -> float:
    """Square matrix products for about ``seconds``: 2·n³ operations each."""
    import torch

    dtype = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}[dtype_name]
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    torch.matmul(a, b)  # warm-up (kernel choice, allocation)
    if device.startswith("cuda"):
        torch.cuda.synchronize(device)
    runs, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        torch.matmul(a, b)
        runs += 1
        if device.startswith("cuda"):
            torch.cuda.synchronize(device)
    return 2 * size**3 * runs / (time.perf_counter() - started) / 1e9


def collect(throughput: bool = True) -> SystemReport:
    import psutil
    import torch

    gpus = _gpus(torch) if torch.cuda.is_available() else []
    report = SystemReport(
        python=platform.python_version(), platform=platform.platform(),
        cpus=os.cpu_count() or 1, memory_gib=round(psutil.virtual_memory().total / 2**30, 1),
        libraries=library_versions(), cuda_build=torch.version.cuda,
        cuda_usable=bool(gpus), why_no_gpu=_why_no_gpu(torch), gpus=gpus)
    report.myna_device, report.myna_precision = _myna_placement()
    if throughput:
        report.gflops["cpu/fp32"] = round(matmul_gflops("cpu", size=512), 1)
        for gpu in gpus:
            for precision in ("fp32", "bf16" if gpu.bf16 else "fp16"):
                report.gflops[f"cuda:{gpu.index}/{precision}"] = round(
                    matmul_gflops(f"cuda:{gpu.index}", precision, size=4096), 1)
    return report
