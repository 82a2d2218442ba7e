"""An exported text classifier as a spaCy pipeline component: ONNX Runtime runs the graph that
`myna models export` wrote, with the model's own tokenizer and labels beside it. Saved like the
Hugging Face component (``<component>/onnx/``), so `spacy.load`, evaluate, serve, batch and
the app take an exported model as they take any other pipeline."""

# no `from __future__ import annotations`: spaCy reads the factory's types
from pathlib import Path
from typing import Any

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

from myna.models.classifier_component import CategoryComponent
from myna.models.onnx_component import INPUTS, OnnxComponent

FACTORY = "myna_onnx_textcat"


class OnnxTextClassifier(CategoryComponent, OnnxComponent):
    buffer = 512  # docs predicted together, grouped by length inside

    def __init__(self, name: str, exclusive: bool, max_length: int, batch_size: int):
        self.name, self.exclusive = name, exclusive
        self.max_length, self.batch_size = max_length, batch_size
        self.model_path: Path | None = None
        self._labels: list[str] = []

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self._labels)

    def probabilities(self, texts: list[str]) -> np.ndarray:
        from myna.models.hf_batches import in_length_order

        if not texts:
            return np.zeros((0, len(self._labels)), dtype=np.float32)
        encoded = self.tokenizer(texts, truncation=True, max_length=self.max_length)
        features = [{k: encoded[k][i] for k in INPUTS if k in encoded}
                    for i in range(len(texts))]
        pad = self.tokenizer.pad_token_id or 0

        def run(batch: list[dict[str, list[int]]]) -> list[Any]:
            width = max(len(f["input_ids"]) for f in batch)
            logits = self.run_logits({k: [f[k] + [pad if k == "input_ids" else 0]
                                          * (width - len(f[k])) for f in batch]
                                      for k in batch[0]})
            if self.exclusive:
                shifted = np.exp(logits - logits.max(-1, keepdims=True))
                return list(shifted / shifted.sum(-1, keepdims=True))
            return list(1 / (1 + np.exp(-logits)))

        lengths = [len(f["input_ids"]) for f in features]
        rows: list[Any] = in_length_order(features, lengths, self.batch_size, run)
        return np.stack(rows)

    def _predict(self, docs: list[Doc]) -> list[Doc]:
        return self.set_cats(docs, self.probabilities([d.text for d in docs]))


@Language.factory(FACTORY, assigns=["doc.cats"],
                  default_config={"exclusive": True, "max_length": 128, "batch_size": 64})
def make_onnx_textcat(nlp: Language, name: str, exclusive: bool, max_length: int,
                      batch_size: int) -> OnnxTextClassifier:
    return OnnxTextClassifier(name, exclusive, max_length, batch_size)
