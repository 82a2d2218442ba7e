"""An exported entity recognizer (a fine-tuned transformer token classifier) as a spaCy
component: spaCy's tokens go to the sub-word tokenizer as words, ONNX Runtime gives each
sub-word's tag scores, and each token takes its first sub-word's tag (BIO → ``doc.ents``), as
the PyTorch component does."""

# no `from __future__ import annotations`: spaCy reads the factory's types
from pathlib import Path
from typing import Any

from spacy.language import Language

from myna.models.classifier_component import TokenTagger
from myna.models.onnx_component import OnnxComponent

FACTORY = "myna_onnx_ner"


class OnnxTokenClassifier(TokenTagger, OnnxComponent):
    rank = 3

    def __init__(self, name: str, max_length: int, batch_size: int):
        self.name, self.window, self.batch_size = name, max_length, batch_size
        self.model_path: Path | None = None
        self._labels: list[str] = []

    def _logits(self, encoding: Any) -> Any:
        return self.run_logits(dict(encoding.items()))


@Language.factory(FACTORY, assigns=["doc.ents", "token.ent_iob", "token.ent_type"],
                  default_config={"max_length": 128, "batch_size": 32})
def make_onnx_ner(nlp: Language, name: str, max_length: int, batch_size: int,
                  ) -> OnnxTokenClassifier:
    return OnnxTokenClassifier(name, max_length, batch_size)
