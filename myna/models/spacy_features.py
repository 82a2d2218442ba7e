"""A spaCy pipeline's CNN features beside a sub-word encoder: the vectors that the pipeline's
own entity recogniser computes for each token (its ``tok2vec`` layer, e.g. en_core_web_sm's
64 per token). They are cased, trained on OntoNotes entities, and cheap next to the encoder.

Saved beside the encoder as a one-component spaCy pipeline (``spacy_features/``), so a model
that reads them does not depend on the pipeline package being installed where it is served.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

FEATURES_DIR = "spacy_features"
SETTINGS_FILE = "spacy_features.json"
BATCH = 256  # docs per call of the CNN


class SpacyFeatures:
    """The ``tok2vec`` layer of ``component`` in ``nlp``, as per-word float features."""

    def __init__(self, nlp: Any, component: str = "ner", source: str = ""):
        if component not in nlp.pipe_names:
            raise ValueError(f"{source or 'the pipeline'} has no {component!r} component "
                             f"(it has {', '.join(nlp.pipe_names) or 'none'})")
        model = nlp.get_pipe(component).model
        if not model.has_ref("tok2vec") or "listener" in model.get_ref("tok2vec").name:
            raise ValueError(f"the {component!r} component of {source or 'the pipeline'} "
                             "has no tok2vec layer of its own to read features from")
        self.nlp, self.component, self.source = nlp, component, source
        self.layer = model.get_ref("tok2vec")
        self.dim = int(self.layer.get_dim("nO"))

    @classmethod
    def from_pipeline(cls, ref: str, component: str = "ner") -> SpacyFeatures:
        """An installed pipeline (``en_core_web_sm``) or a pipeline folder."""
        import spacy

        from myna.text.pipelines import resolve_model

        nlp = spacy.load(resolve_model(ref))
        if component in nlp.pipe_names:  # only it is saved with the model
            for name in [p for p in nlp.component_names if p != component]:
                nlp.remove_pipe(name)
        return cls(nlp, component, ref)

    def of_words(self, texts: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """One (words, dim) float32 array per text."""
        from spacy.tokens import Doc

        out: list[np.ndarray] = [np.zeros((0, self.dim), np.float32)] * len(texts)
        todo = [i for i, words in enumerate(texts) if len(words)]
        for start in range(0, len(todo), BATCH):
            batch = todo[start:start + BATCH]
            docs = [Doc(self.nlp.vocab, words=list(texts[i])) for i in batch]
            rows = self.layer.predict(docs)  # one array, or one per doc (layers differ)
            if not isinstance(rows, list):  # the docs' tokens one after another
                rows = np.split(self.layer.ops.to_numpy(rows),
                                np.cumsum([len(d) for d in docs])[:-1])
            for i, block in zip(batch, rows, strict=True):
                out[i] = np.asarray(self.layer.ops.to_numpy(block), dtype=np.float32)
        return out

    def save(self, folder: Path) -> None:
        folder = Path(folder)
        self.nlp.to_disk(folder / FEATURES_DIR)
        (folder / SETTINGS_FILE).write_text(json.dumps(
            {"component": self.component, "source": self.source, "dim": self.dim}))

    @classmethod
    def load(cls, folder: Path) -> SpacyFeatures | None:
        import spacy

        settings = Path(folder) / SETTINGS_FILE
        if not settings.is_file():
            return None
        saved = json.loads(settings.read_text())
        return cls(spacy.load(Path(folder) / FEATURES_DIR), saved["component"], saved["source"])


def subword_features(per_word: np.ndarray, word_ids: Sequence[int | None],
                     offset: int = 0) -> np.ndarray:
    """(sub-words, dim): each sub-word gets its word's features (``offset``: the chunk's first
    word in ``per_word``); special tokens and padding get zeros."""
    out = np.zeros((len(word_ids), per_word.shape[1]), np.float32)
    for pos, word in enumerate(word_ids):
        if word is not None:
            out[pos] = per_word[offset + word]
    return out


class FeatureTable:
    """Every training word's features in one matrix (row 0: zeros), so an encoded dataset
    holds row numbers rather than floats and the collator looks the rows up per batch."""

    def __init__(self, features: SpacyFeatures):
        self.features = features
        self._blocks: list[np.ndarray] = [np.zeros((1, features.dim), np.float32)]
        self._size = 1

    def add(self, texts: Sequence[Sequence[str]]) -> list[int]:
        """Each text's first row in the table."""
        starts = []
        for rows in self.features.of_words(texts):
            starts.append(self._size)
            self._blocks.append(rows)
            self._size += len(rows)
        return starts

    def matrix(self) -> Any:
        import torch

        return torch.from_numpy(np.concatenate(self._blocks))
