"""What Myna's ONNX components share: an ONNX Runtime session on a graph `myna models export`
wrote (token ids in, ``logits`` out), with the model's tokenizer and labels saved beside it
(``<component>/onnx/``)."""

import json  # no `from __future__ import annotations`: spaCy reads the factories' types
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from myna.core.errors import ModelNotFoundError

ONNX_DIR = "onnx"
MODEL_FILE = "model.onnx"
LABELS_FILE = "labels.json"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
FLOAT_INPUTS = ("word_features",)  # a tagger's spaCy features; every other input is ids


def providers(device: str, available: list[str]) -> list[str]:
    """ONNX Runtime's execution providers for Myna's device setting: CUDA first when the device
    is a GPU and this onnxruntime build has the CUDA provider (the `onnxruntime-gpu`
    package), else the CPU."""
    if device.startswith("cuda") and "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


def session_providers() -> list[str]:
    """`providers` for MYNA_DEVICE (auto: a GPU when PyTorch sees one)."""
    import onnxruntime as ort

    from myna.models.hf_backend import resolve_device

    return providers(resolve_device(), ort.get_available_providers())


def open_session(path: Path, rank: int, inputs: tuple[str, ...] = ("input_ids", "attention_mask"),
                 output_name: str = "logits") -> Any:
    """An ONNX Runtime session (on the GPU where Myna's device setting and the installed
    onnxruntime allow, else the CPU), or a clear error for a missing, corrupt or foreign
    file. ``rank``: the logits' dimensions (2: one row a text, 3: one a sub-word); ``inputs``:
    the inputs the graph must take."""
    import onnxruntime as ort

    if not path.is_file():
        raise ModelNotFoundError(f"no ONNX model at {path}")
    from myna.core.threads import thread_budget

    options = ort.SessionOptions()
    if thread_budget():  # a worker process's share of the cores (its pool would take all)
        options.intra_op_num_threads = thread_budget()
        options.inter_op_num_threads = 1
    try:
        session = ort.InferenceSession(str(path), options, providers=session_providers())
    except Exception as err:  # ORT raises its own Fail/InvalidGraph/InvalidProtobuf types
        raise ModelNotFoundError(f"{path} is not a usable ONNX model: "
                                 f"{str(err).splitlines()[0][:300]}") from None
    names = {i.name for i in session.get_inputs()}
    output = session.get_outputs()[0]
    what = ("sentence encoder" if output_name == "last_hidden_state" else
            "text classifier" if rank == 2 else "token classifier")
    if not set(inputs) <= names or output.name != output_name \
            or len(output.shape) != rank:
        raise ModelNotFoundError(f"{path} is an ONNX model, but not a {what} exported by "
                                 f"Myna (inputs {sorted(names)}, output {output.name} of "
                                 f"rank {len(output.shape)})")
    return session


class OnnxComponent:
    rank = 2  # of the logits
    session: Any = None
    tokenizer: Any = None
    model_path: Path | None = None
    _labels: list[str]

    def set_model(self, model_path: Path, tokenizer: Any, labels: list[str]) -> None:
        self.session = open_session(Path(model_path), self.rank)
        self.model_path, self.tokenizer, self._labels = Path(model_path), tokenizer, labels
        outputs = self.session.get_outputs()[0].shape[-1]
        if isinstance(outputs, int) and outputs != len(labels):
            raise ModelNotFoundError(f"{model_path} gives {outputs} scores but {len(labels)} "
                                     "labels travel with it")

    def run_logits(self, features: dict[str, Any]) -> np.ndarray:
        """The graph on padded arrays of the inputs it takes (others are left out)."""
        wanted = {i.name for i in self.session.get_inputs()}
        feeds = {k: np.asarray(v, dtype=np.float32 if k in FLOAT_INPUTS else np.int64)
                 for k, v in features.items() if k in wanted}
        return self.session.run(["logits"], feeds)[0].astype(np.float32)

    def to_disk(self, path: Path, exclude=()) -> None:
        folder = Path(path) / ONNX_DIR
        folder.mkdir(parents=True, exist_ok=True)
        if self.model_path is None:
            raise ModelNotFoundError("this component has no ONNX model to save")
        if self.model_path.resolve() != (folder / MODEL_FILE).resolve():
            shutil.copyfile(self.model_path, folder / MODEL_FILE)
        self.tokenizer.save_pretrained(folder)
        (folder / LABELS_FILE).write_text(json.dumps(self._labels))

    def from_disk(self, path: Path, exclude=()):
        from transformers import AutoTokenizer

        folder = Path(path) / ONNX_DIR
        try:
            labels = json.loads((folder / LABELS_FILE).read_text())
        except (OSError, ValueError) as err:
            raise ModelNotFoundError(f"{folder / LABELS_FILE}: {err}") from None
        self.set_model(folder / MODEL_FILE, AutoTokenizer.from_pretrained(folder), labels)
        return self
