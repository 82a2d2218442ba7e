"""A spaCy pipeline's CNN features beside a sub-word encoder: the vectors that the pipeline's
own entity recogniser computes for each token (its ``tok2vec`` layer, e.g. en_core_web_sm's
64 per token). They are cased, trained on OntoNotes entities, and cheap next to the encoder.
Optionally also the pipeline's own predictions for each token, one-hot (``annotations``):
``ents`` its entity tag (``B-ORG``, ``I-GPE``, ``O``), ``tags`` its part-of-speech tag
(``NNP``): what another corpus taught it, which the encoder can weigh as evidence.

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
ANNOTATION_PIPES = {"ents": "ner", "tags": "tagger"}  # annotation -> the component predicting it


class AnnotationError(ValueError):
    """An annotation that is unknown, or that the pipeline has no component to predict."""


class SpacyFeatures:
    """The ``tok2vec`` layer of ``component`` in ``nlp``, as per-word float features."""

    def __init__(self, nlp: Any, component: str = "ner", source: str = "",
                 annotations: Sequence[str] = ()):
        if component not in nlp.pipe_names:
            raise ValueError(f"{source or 'the pipeline'} has no {component!r} component "
                             f"(it has {', '.join(nlp.pipe_names) or 'none'})")
        model = nlp.get_pipe(component).model
        if not model.has_ref("tok2vec") or "listener" in model.get_ref("tok2vec").name:
            raise ValueError(f"the {component!r} component of {source or 'the pipeline'} "
                             "has no tok2vec layer of its own to read features from")
        self.nlp, self.component, self.source = nlp, component, source
        self.layer = model.get_ref("tok2vec")
        self.annotations = tuple(annotations)
        check_annotations(self.annotations)
        self.values = {name: annotation_values(nlp, name, source) for name in self.annotations}
        self._index = {name: {value: i for i, value in enumerate(values)}
                       for name, values in self.values.items()}
        self.dim = (int(self.layer.get_dim("nO"))
                    + sum(len(values) for values in self.values.values()))

    @classmethod
    def from_pipeline(cls, ref: str, component: str = "ner",
                      annotations: Sequence[str] = ()) -> SpacyFeatures:
        """An installed pipeline (``en_core_web_sm``) or a pipeline folder."""
        import spacy

        from myna.text.pipelines import resolve_model

        check_annotations(annotations)
        nlp = spacy.load(resolve_model(ref))
        keep = {component} | {ANNOTATION_PIPES[name] for name in annotations}
        if "tags" in annotations:
            keep.add("tok2vec")  # the tagger listens to the shared tok2vec in spaCy's pipelines
        if component in nlp.pipe_names:  # only what is read is saved with the model
            for name in [p for p in nlp.component_names if p not in keep]:
                nlp.remove_pipe(name)
        return cls(nlp, component, ref, annotations)

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
            if self.annotations:
                docs = list(self.nlp.pipe(docs))
            for i, block, doc in zip(batch, rows, docs, strict=True):
                cnn = np.asarray(self.layer.ops.to_numpy(block), dtype=np.float32)
                out[i] = np.hstack([cnn, *self.one_hot(doc)]) if self.annotations else cnn
        return out

    def one_hot(self, doc: Any) -> list[np.ndarray]:
        """Per annotation, (tokens, values) with a 1 at each token's predicted value (an
        unseen value, as a pipeline folder edited since, reads as the first)."""
        blocks = []
        for name in self.annotations:
            index = self._index[name]
            block = np.zeros((len(doc), len(index)), np.float32)
            for t, token in enumerate(doc):
                block[t, index.get(token_annotation(token, name), 0)] = 1.0
            blocks.append(block)
        return blocks

    def save(self, folder: Path) -> None:
        folder = Path(folder)
        self.nlp.to_disk(folder / FEATURES_DIR)
        (folder / SETTINGS_FILE).write_text(json.dumps(
            {"component": self.component, "source": self.source, "dim": self.dim,
             "annotations": list(self.annotations)}))

    @classmethod
    def load(cls, folder: Path) -> SpacyFeatures | None:
        import spacy

        settings = Path(folder) / SETTINGS_FILE
        if not settings.is_file():
            return None
        saved = json.loads(settings.read_text())
        return cls(spacy.load(Path(folder) / FEATURES_DIR), saved["component"], saved["source"],
                   saved.get("annotations", ()))


def annotation_names(value: str) -> list[str]:
    """``"ents, tags"`` -> ``["ents", "tags"]``."""
    return [name.strip() for name in value.split(",") if name.strip()]


def word_features(pipeline: str, annotations: str) -> SpacyFeatures | None:
    """``--spacy-features`` / ``--spacy-annotations`` (empty pipeline: none); a pipeline that
    cannot give them (no ``ner`` with its own CNN, no tagger for ``tags``) is an input error
    naming the option and what the pipeline lacks."""
    from myna.core.errors import InputError

    if not pipeline:
        return None
    try:
        return SpacyFeatures.from_pipeline(pipeline, annotations=annotation_names(annotations))
    except AnnotationError as exc:
        raise InputError(str(exc), where="--spacy-annotations") from exc
    except ValueError as exc:
        raise InputError(str(exc), where="--spacy-features") from exc


def check_annotations(annotations: Sequence[str]) -> None:
    unknown = [name for name in annotations if name not in ANNOTATION_PIPES]
    if unknown:
        raise AnnotationError(f"unknown spaCy annotation {unknown[0]!r} "
                              f"(choose from {', '.join(ANNOTATION_PIPES)})")


def annotation_values(nlp: Any, name: str, source: str) -> list[str]:
    """Every value ``name`` (a known annotation) can take in ``nlp``, the 'none' value first."""
    pipe = ANNOTATION_PIPES[name]
    if pipe not in nlp.pipe_names:
        raise AnnotationError(f"{source or 'the pipeline'} has no {pipe!r} component to "
                              f"predict {name} (it has {', '.join(nlp.pipe_names) or 'none'})")
    labels = sorted(nlp.get_pipe(pipe).labels)
    if name == "ents":
        return ["O"] + [f"{iob}-{label}" for label in labels for iob in "BI"]
    return ["", *labels]


def token_annotation(token: Any, name: str) -> str:
    if name == "ents":
        return f"{token.ent_iob_}-{token.ent_type_}" if token.ent_type_ else "O"
    return token.tag_


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
