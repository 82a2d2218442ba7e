"""An exported entity recognizer (a fine-tuned transformer token classifier) as a spaCy
component: spaCy's tokens go to the sub-word tokenizer as words, ONNX Runtime gives each
sub-word's tag scores, and each token takes its first sub-word's tag (BIO → ``doc.ents``), as
the PyTorch component does."""

# no `from __future__ import annotations`: spaCy reads the factory's types
from pathlib import Path
from typing import Any

from spacy.language import Language

from myna.models.classifier_component import TokenTagger
from myna.models.onnx_component import ONNX_DIR, OnnxComponent

FACTORY = "myna_onnx_ner"


class OnnxTokenClassifier(TokenTagger, OnnxComponent):
    rank = 3

    def __init__(self, name: str, max_length: int, batch_size: int,
                 decode: str = "greedy"):
        from myna.models.bio_decode import check_decoder

        self.name, self.window, self.batch_size = name, max_length, batch_size
        self.decode = check_decoder(decode)
        self.model_path: Path | None = None
        self._labels: list[str] = []

    def set_model(self, model_path: Path, tokenizer: Any, labels: list[str],
                  shapes: Any = None, features: Any = None) -> None:
        """``shapes``: the ShapeVocab of a tagger that reads word shapes (its graph takes
        ``shape_ids``); ``features``: the SpacyFeatures of one that reads a spaCy pipeline's
        CNN features (``word_features``)."""
        super().set_model(model_path, tokenizer, labels)
        self.shapes, self.features = shapes, features

    def _logits(self, encoding: Any) -> Any:
        return self.run_logits(dict(encoding.items()))

    def to_disk(self, path: Path, exclude=()) -> None:
        super().to_disk(path, exclude)
        if self.shapes is not None:
            self.shapes.save(Path(path) / ONNX_DIR)
        if self.features is not None:
            self.features.save(Path(path) / ONNX_DIR)

    def from_disk(self, path: Path, exclude=()):
        from myna.models.spacy_features import SpacyFeatures
        from myna.models.word_shapes import ShapeVocab

        super().from_disk(path, exclude)
        self.shapes = ShapeVocab.load(Path(path) / ONNX_DIR)
        self.features = SpacyFeatures.load(Path(path) / ONNX_DIR)
        return self


@Language.factory(FACTORY, assigns=["doc.ents", "token.ent_iob", "token.ent_type"],
                  default_config={"max_length": 128, "batch_size": 32, "decode": "greedy"})
def make_onnx_ner(nlp: Language, name: str, max_length: int, batch_size: int, decode: str,
                  ) -> OnnxTokenClassifier:
    return OnnxTokenClassifier(name, max_length, batch_size, decode)
