"""An exported text classifier as a spaCy pipeline component: ONNX Runtime runs the graph that
`myna models export` wrote, with the model's own tokenizer and labels beside it. Saved like the
Hugging Face component (``<component>/onnx/``), so `spacy.load`, evaluate, serve, batch and
the app take an exported model as they take any other pipeline."""

import json  # no `from __future__ import annotations`: spaCy reads the factory's types
import shutil
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

from myna.core.errors import ModelNotFoundError
from myna.models.classifier_component import CategoryComponent

FACTORY = "myna_onnx_textcat"
ONNX_DIR = "onnx"
MODEL_FILE = "model.onnx"
LABELS_FILE = "labels.json"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def open_session(path: Path) -> Any:
    """An ONNX Runtime session on the CPU, or a clear error for a missing, corrupt or
    foreign file."""
    import onnxruntime as ort

    if not path.is_file():
        raise ModelNotFoundError(f"no ONNX model at {path}")
    try:
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as err:  # ORT raises its own Fail/InvalidGraph/InvalidProtobuf types
        raise ModelNotFoundError(f"{path} is not a usable ONNX model: "
                                 f"{str(err).splitlines()[0][:300]}") from None
    names = {i.name for i in session.get_inputs()}
    if not {"input_ids", "attention_mask"} <= names or session.get_outputs()[0].name != "logits":
        raise ModelNotFoundError(f"{path} is an ONNX model, but not a text classifier "
                                 f"exported by Myna (inputs {sorted(names)})")
    return session


class OnnxTextClassifier(CategoryComponent):
    buffer = 512  # docs predicted together, grouped by length inside

    def __init__(self, name: str, exclusive: bool, max_length: int, batch_size: int):
        self.name, self.exclusive = name, exclusive
        self.max_length, self.batch_size = max_length, batch_size
        self.session: Any = None
        self.tokenizer: Any = None
        self.model_path: Path | None = None
        self._labels: list[str] = []

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self._labels)

    def set_model(self, model_path: Path, tokenizer: Any, labels: list[str]) -> None:
        self.session = open_session(Path(model_path))
        self.model_path, self.tokenizer, self._labels = Path(model_path), tokenizer, labels
        outputs = self.session.get_outputs()[0].shape[-1]
        if isinstance(outputs, int) and outputs != len(labels):
            raise ModelNotFoundError(f"{model_path} gives {outputs} scores a text but "
                                     f"{len(labels)} labels travel with it")

    def probabilities(self, texts: list[str]) -> np.ndarray:
        from myna.models.hf_batches import in_length_order

        if not texts:
            return np.zeros((0, len(self._labels)), dtype=np.float32)
        wanted = [i.name for i in self.session.get_inputs()]
        encoded = self.tokenizer(texts, truncation=True, max_length=self.max_length)
        features = [{k: encoded[k][i] for k in INPUTS if k in encoded and k in wanted}
                    for i in range(len(texts))]
        pad = self.tokenizer.pad_token_id or 0

        def run(batch: list[dict[str, list[int]]]) -> list[Any]:
            width = max(len(f["input_ids"]) for f in batch)
            feeds = {k: np.array([f[k] + [pad if k == "input_ids" else 0] * (width - len(f[k]))
                                  for f in batch], dtype=np.int64) for k in batch[0]}
            logits = self.session.run(["logits"], feeds)[0].astype(np.float32)
            if self.exclusive:
                shifted = np.exp(logits - logits.max(-1, keepdims=True))
                return list(shifted / shifted.sum(-1, keepdims=True))
            return list(1 / (1 + np.exp(-logits)))

        lengths = [len(f["input_ids"]) for f in features]
        rows: list[Any] = in_length_order(features, lengths, self.batch_size, run)
        return np.stack(rows)

    def _predict(self, docs: list[Doc]) -> list[Doc]:
        return self.set_cats(docs, self.probabilities([d.text for d in docs]))

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


@Language.factory(FACTORY, assigns=["doc.cats"],
                  default_config={"exclusive": True, "max_length": 128, "batch_size": 64})
def make_onnx_textcat(nlp: Language, name: str, exclusive: bool, max_length: int,
                      batch_size: int) -> OnnxTextClassifier:
    return OnnxTextClassifier(name, exclusive, max_length, batch_size)
