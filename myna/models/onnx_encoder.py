"""An exported sentence encoder: the sentence-transformers folder as it was, plus the
transformer as an ONNX graph (``onnx/model.onnx``, token ids in, ``last_hidden_state`` out,
the layout sentence-transformers' own ONNX backend reads) and ``myna_export.json``. ONNX
Runtime runs the transformer; the pooling and normalisation the folder's modules name are
done here, so embeddings match the PyTorch encoder's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from myna.core.errors import ModelNotFoundError
from myna.models.onnx_component import INPUTS

ONNX_FILE = Path("onnx") / "model.onnx"
MARKER = "myna_export.json"
POOLING_MODES = ("mean", "cls", "max")


def is_exported_encoder(path: Path) -> bool:
    return (path / ONNX_FILE).is_file() and (path / MARKER).is_file()


def _modules(path: Path) -> tuple[str, bool]:
    """The pooling mode and whether embeddings are normalised, from ``modules.json``."""
    try:
        modules = json.loads((path / "modules.json").read_text())
        pooling_dir = next(path / m["path"] for m in modules if m["type"].endswith("Pooling"))
        pooling = json.loads((pooling_dir / "config.json").read_text())
    except (OSError, ValueError, StopIteration, KeyError) as err:
        raise ModelNotFoundError(f"cannot read the encoder's modules: {err}",
                                 where=str(path)) from None
    mode = pooling.get("pooling_mode")  # newer sentence-transformers; older: one flag a mode
    if mode is None:
        mode = next((m for m in POOLING_MODES if pooling.get(f"pooling_mode_{m}_tokens")
                     or pooling.get(f"pooling_mode_{m}_token")), None)
    if mode not in POOLING_MODES:
        raise ModelNotFoundError(f"pooling {pooling} is not one Myna runs on ONNX (mean, CLS, "
                                 "max)", where=str(pooling_dir))
    return mode, any(m["type"].endswith("Normalize") for m in modules)


class OnnxSentenceEncoder:
    """What Myna uses of a ``SentenceTransformer`` (`encode`, the dimension), on ONNX Runtime."""

    def __init__(self, path: Path):
        from transformers import AutoTokenizer

        from myna.models.onnx_component import open_session

        self.path = Path(path)
        self.session = open_session(self.path / ONNX_FILE, 3, output_name="last_hidden_state")
        self.tokenizer = AutoTokenizer.from_pretrained(self.path)
        self.pooling, self.normalize = _modules(self.path)
        try:
            config = json.loads((self.path / "sentence_bert_config.json").read_text())
        except (OSError, ValueError):
            config = {}
        self.max_seq_length = int(config.get("max_seq_length") or 256)
        self._wanted = {i.name for i in self.session.get_inputs()}

    def get_sentence_embedding_dimension(self) -> int:
        width = self.session.get_outputs()[0].shape[-1]
        if isinstance(width, int):
            return width
        return int(self.encode(["dimension"]).shape[1])

    def _pool(self, states: np.ndarray, mask: np.ndarray) -> np.ndarray:
        if self.pooling == "cls":
            return states[:, 0]
        if self.pooling == "max":
            return np.where(mask[..., None] > 0, states, -1e9).max(1)
        return (states * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)

    def encode(self, texts: list[str], batch_size: int = 64, show_progress_bar: bool = False,
               normalize_embeddings: bool = False, **_: Any) -> np.ndarray:
        rows = []
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding
        for start in range(0, len(order), batch_size):
            chunk = [texts[i] for i in order[start:start + batch_size]]
            encoded = self.tokenizer(chunk, padding=True, truncation=True,
                                     max_length=self.max_seq_length, return_tensors="np")
            feeds = {k: encoded[k].astype(np.int64) for k in INPUTS
                     if k in encoded and k in self._wanted}
            states = self.session.run(None, feeds)[0].astype(np.float32)
            rows.append(self._pool(states, encoded["attention_mask"].astype(np.float32)))
        if not rows:
            return np.zeros((0, self.get_sentence_embedding_dimension()), np.float32)
        vectors = np.empty((len(texts), rows[0].shape[1]), np.float32)
        vectors[order] = np.concatenate(rows)
        if self.normalize or normalize_embeddings:
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors
