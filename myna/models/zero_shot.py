"""Zero-shot text classifiers from a sentence encoder (the bundled MiniLM by default): a label
is scored by the cosine similarity of the text with the label's prompt (its description, or a
template around its name). Optionally the label vectors are refined on unlabelled texts
(self-training: each label's vector moves towards the texts it claims most confidently).

A zero-shot classifier is a text classifier like a trained one (the ``textcat`` task: ``cats``,
``label``, ``score``), so evaluate, compare, batch, serve and the annotation recipes take it.
References: a directory with ``zero_shot.json`` (written by `ZeroShotModel.save`), or
``zero-shot:LABEL,LABEL,…`` (``zero-shot:LABELS@ENCODER`` for another encoder)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from myna.core.errors import InputError
from myna.models.backends import backends
from myna.models.base import LoadedModel

MANIFEST = "zero_shot.json"
VECTORS = "label_vectors.npy"
ENCODER_DIR = "encoder"
PREFIX = "zero-shot:"
# Chosen on ag_news train.csv texts, never dev (BENCHMARKS.md, zero-shot-ag-news): the best
# of three prompts, with self-training of 3 rounds when a call has enough texts to learn from.
DEFAULT_TEMPLATE = "News about {}."
SELF_TRAIN_ROUNDS = 3
SELF_TRAIN_FROM = 200  # texts in one call from which self-training is on by default
SCALE = 20.0  # cosine × SCALE → softmax: exclusive scores that sum to 1


def prompts_for(labels: list[str], template: str = DEFAULT_TEMPLATE,
                descriptions: dict[str, str] | None = None) -> list[str]:
    """One prompt per label: its description when given, else the template around the name
    (underscores as spaces: ``Sci_Tech`` → ``Sci Tech``)."""
    if "{}" not in template:
        raise InputError(f"template {template!r} has no {{}} for the label")
    descriptions = descriptions or {}
    unknown = sorted(set(descriptions) - set(labels))
    if unknown:
        raise InputError(f"descriptions for unknown label(s) {', '.join(unknown)}")
    return [descriptions.get(label) or template.format(label.replace("_", " "))
            for label in labels]


def check_labels(labels: list[str]) -> list[str]:
    labels = [label.strip() for label in labels]
    if len(labels) < 2:
        raise InputError("zero-shot classification needs at least two labels")
    if len(set(labels)) != len(labels) or not all(labels):
        raise InputError("labels must be distinct and non-empty")
    return labels


def normalised(vectors: Any) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float32)
    return array / np.maximum(np.linalg.norm(array, axis=-1, keepdims=True), 1e-12)


def self_train(label_vectors: np.ndarray, text_vectors: np.ndarray, rounds: int = 2,
               share: float = 0.5) -> np.ndarray:
    """Label vectors moved towards the texts they claim: in each round every text goes to
    its best label, and each label's new vector is its prompt vector plus the mean of the
    ``share`` of its texts it is most sure of (by margin over the runner-up)."""
    prompts = normalised(label_vectors)
    texts = normalised(text_vectors)
    current = prompts
    for _ in range(rounds):
        scores = texts @ current.T
        best = scores.argmax(1)
        ranked = np.sort(scores, axis=1)
        margin = ranked[:, -1] - ranked[:, -2]
        updated = []
        for j in range(len(current)):
            mine = np.flatnonzero(best == j)
            if len(mine) == 0:
                updated.append(prompts[j])
                continue
            keep = mine[np.argsort(-margin[mine])[:max(1, int(len(mine) * share))]]
            updated.append(prompts[j] + texts[keep].mean(0))
        current = normalised(np.stack(updated))
    return current


class ZeroShotModel(LoadedModel):
    """``obj``: the encoder (a ``SentenceTransformer``); ``cats`` come from `classify`."""

    label_list: list[str]
    prompts: list[str]
    vectors: np.ndarray
    multi_label: bool = False
    encoder_location: str = ""

    @property
    def labels(self) -> dict[str, list[str]]:
        return {"textcat": list(self.label_list)}

    def embed(self, texts: list[str]) -> np.ndarray:
        return normalised(self.obj.encode(texts, batch_size=self.batch_size,
                                          show_progress_bar=False))

    def classify(self, texts: list[str]) -> list[dict[str, float]]:
        if not texts:
            return []
        return scores_to_cats(self.embed(texts) @ self.vectors.T, self.label_list,
                              self.multi_label)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        shutil.copytree(self.encoder_location, directory / ENCODER_DIR)
        np.save(directory / VECTORS, self.vectors)
        (directory / MANIFEST).write_text(json.dumps(
            {"labels": self.label_list, "prompts": self.prompts,
             "multi_label": self.multi_label, "encoder": ENCODER_DIR}, indent=2) + "\n")


def scores_to_cats(similarity: np.ndarray, labels: list[str],
                   multi_label: bool) -> list[dict[str, float]]:
    """Exclusive: softmax over SCALE × cosine; multi-label: each cosine as (1 + cos) / 2."""
    if multi_label:
        probs = (1.0 + similarity) / 2.0
    else:
        logits = similarity * SCALE
        logits = np.exp(logits - logits.max(1, keepdims=True))
        probs = logits / logits.sum(1, keepdims=True)
    return [dict(zip(labels, map(float, row), strict=True)) for row in probs]


def build(encoder: Any, encoder_location: str, labels: list[str], name: str,
          template: str = DEFAULT_TEMPLATE, descriptions: dict[str, str] | None = None,
          multi_label: bool = False, adapt_on: list[str] | None = None,
          rounds: int = 2) -> ZeroShotModel:
    """A zero-shot classifier over ``encoder``; ``adapt_on``: unlabelled texts to refine the
    label vectors on (`self_train`)."""
    labels = check_labels(labels)
    prompts = prompts_for(labels, template, descriptions)
    model = ZeroShotModel("zero-shot", encoder, name=name, location=encoder_location)
    model.label_list, model.prompts, model.multi_label = labels, prompts, multi_label
    model.encoder_location = encoder_location
    model.vectors = model.embed(prompts)
    if adapt_on:
        model.vectors = self_train(model.vectors, model.embed(adapt_on), rounds)
    return model


def parse_reference(ref: str) -> tuple[list[str], str | None]:
    """``zero-shot:A,B,C`` or ``zero-shot:A,B,C@ENCODER`` → labels, encoder reference."""
    body = ref.removeprefix(PREFIX)
    labels, _, encoder = body.partition("@")
    return check_labels(labels.split(",")), encoder or None


@backends.register("zero-shot")
class ZeroShotBackend:
    kind = "zero-shot"

    def is_model_dir(self, path: Path) -> bool:
        return (path / MANIFEST).is_file()

    def is_installed(self, name: str) -> bool:
        return False

    def claims(self, ref: str) -> bool:
        return ref.startswith(PREFIX)

    def load(self, location: str, name: str) -> ZeroShotModel:
        from myna.models.resolver import resolve
        from myna.text.encoders import load_sentence_encoder

        if location.startswith(PREFIX):
            labels, encoder_ref = parse_reference(location)
            resolved = resolve(encoder_ref, "sentence-transformers")
            return build(load_sentence_encoder(resolved.location), resolved.location, labels,
                         name)
        directory = Path(location)
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        encoder_dir = str(directory / manifest.get("encoder", ENCODER_DIR))
        model = ZeroShotModel("zero-shot", load_sentence_encoder(encoder_dir), name=name,
                              location=location)
        model.label_list = check_labels(manifest["labels"])
        model.prompts = manifest.get("prompts") or model.label_list
        model.multi_label = bool(manifest.get("multi_label"))
        model.encoder_location = encoder_dir
        model.vectors = normalised(np.load(directory / VECTORS))
        if model.vectors.shape[0] != len(model.label_list):
            raise InputError(f"{VECTORS} has {model.vectors.shape[0]} rows for "
                             f"{len(model.label_list)} labels", where=location)
        return model
