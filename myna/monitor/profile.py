"""A model's reference profile: what its inputs and answers looked like on data it was made
for, kept beside the model (``<model>/reference_profile/``) so later data can be compared
with it. Training writes one; `myna monitor profile` writes one for any model and file."""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from myna.core.atomic import atomic_dir
from myna.core.errors import InputError
from myna.models.base import PROFILE_DIR, LoadedModel
from myna.monitor import statistics as stats

PROFILE_FILE = "profile.json"
EMBEDDINGS_FILE = "embeddings.npy"
FORMAT = 1
VOCABULARY_SIZE = 30_000  # most frequent words kept (unknown-word rate, distinguishing words)
SAMPLE = 1_000  # texts the model and the encoder run on


@dataclass
class Outputs:
    """What a model answered for a set of texts: the monitored task, and per text the
    predicted label and its confidence (empty when the task has no single label)."""

    task: str
    labels: list[str] = field(default_factory=list)
    confidences: list[float] = field(default_factory=list)


@dataclass
class ReferenceProfile:
    model: str  # the reference it was made with (the model to predict with at check time)
    task: str
    source: str  # which texts, in words
    texts: int
    created: str
    encoder: str | None  # None: the bundled MiniLM (wherever it is installed at check time)
    label_shares: dict[str, float]
    confidences: list[float]
    lengths: list[int]  # words per text
    vocabulary: dict[str, int]
    unknown_rate: float  # expected of new text like the reference (Good–Turing)
    embeddings: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0)))
    format: int = FORMAT

    def save(self, directory: str | Path) -> Path:
        """Written whole or not at all (a folder of its own)."""
        with atomic_dir(directory) as tmp:
            plain = asdict(self)
            plain.pop("embeddings")
            (tmp / PROFILE_FILE).write_text(json.dumps(plain, indent=1))
            np.save(tmp / EMBEDDINGS_FILE, self.embeddings.astype(np.float16))
        return Path(directory)


def sample_texts(texts: list[str], size: int = SAMPLE, seed: int = 0) -> list[str]:
    return texts if len(texts) <= size else random.Random(seed).sample(texts, size)


def monitored_task(model: LoadedModel, task: str | None = None) -> str:
    """The task given, else the model's first text task with a label and confidence to
    watch, else its first text task (then only the inputs are compared)."""
    from myna.tasks import Predictor
    from myna.tasks.base import Task

    predictor = Predictor(model)
    if task:
        return predictor.check_task(task)
    text_tasks = [t for t in map(predictor.task, predictor.tasks) if t.takes_text]
    if not text_tasks:
        raise InputError(f"{model.name} answers no text task: there is nothing to monitor")
    labelled = [t for t in text_tasks if type(t).outcome is not Task.outcome]
    return (labelled or text_tasks)[0].name


def model_outputs(model: LoadedModel, texts: list[str], task: str) -> Outputs:
    from myna.tasks import get_task

    runner = get_task(task)
    outputs = Outputs(task)
    for row in model.predict(texts, task, errors="row"):  # the model's own predictor
        found = None if row.get("error") else runner.outcome(row)
        if found is not None:
            outputs.labels.append(found[0])
            outputs.confidences.append(found[1])
    return outputs


def embed(texts: list[str], encoder: str | None = None) -> np.ndarray:
    """Unit-length sentence embeddings (the bundled MiniLM unless another encoder is given)."""
    from myna.text.encoders import load_sentence_encoder

    if not texts:
        return np.zeros((0, 0), np.float32)
    vectors = load_sentence_encoder(encoder).encode(texts, batch_size=64,
                                                    normalize_embeddings=True,
                                                    show_progress_bar=False)
    return np.asarray(vectors, np.float32)


def expected_unknown_rate(counts: Counter[str], kept: dict[str, int]) -> float:
    """The unknown-word rate to expect of new text like this, against the ``kept`` words:
    Good–Turing's chance that the next word is unseen (words seen once, over all words),
    plus the words that were seen but not kept."""
    total = sum(counts.values())
    if not total:
        return 0.0
    once = sum(1 for w, n in kept.items() if n == 1)
    dropped = sum(n for w, n in counts.items() if w not in kept)
    return (once + dropped) / total


def build_profile(model: LoadedModel, texts: list[str], source: str, task: str | None = None,
                  encoder: str | None = None, seed: int = 0) -> ReferenceProfile:
    if len(texts) < 2:
        raise InputError(f"a reference profile needs at least 2 texts ({len(texts)} given)",
                         where=source)
    task = monitored_task(model, task)
    sample = sample_texts(texts, seed=seed)
    outputs = model_outputs(model, sample, task)
    counts = stats.word_counts(texts)
    vocabulary = dict(counts.most_common(VOCABULARY_SIZE))
    return ReferenceProfile(
        model=model.name, task=task, source=source, texts=len(texts),
        created=datetime.now(UTC).isoformat(timespec="seconds"), encoder=encoder,
        label_shares=stats.shares(outputs.labels), confidences=outputs.confidences,
        lengths=[len(stats.words(t)) for t in sample_texts(texts, 5 * SAMPLE, seed)],
        vocabulary=vocabulary, unknown_rate=expected_unknown_rate(counts, vocabulary),
        embeddings=embed(sample, encoder))


def profile_dir(reference: str | Path) -> Path:
    """The profile folder a reference names: the folder itself, or a model's own
    (a directory or any model reference whose files hold one)."""
    path = Path(reference).expanduser()
    if (path / PROFILE_FILE).is_file():
        return path
    if (path / PROFILE_DIR / PROFILE_FILE).is_file():
        return path / PROFILE_DIR
    if path.is_dir() and not (path / "MLmodel").is_file():
        raise InputError("neither a reference profile (no profile.json) nor a model with one "
                         f"({PROFILE_DIR}/ missing); write one with `myna monitor profile "
                         "MODEL DATA`", where=str(path))
    from myna.models.resolver import resolve

    location = Path(resolve(str(reference)).location)
    if (location / PROFILE_DIR / PROFILE_FILE).is_file():
        return location / PROFILE_DIR
    raise InputError(f"model {reference} has no reference profile (models trained before "
                     "profiles existed, and pretrained ones, have none): write one with "
                     f"`myna monitor profile {reference} DATA -o DIR`", where=str(reference))


def load_profile(reference: str | Path) -> ReferenceProfile:
    directory = profile_dir(reference)
    where = str(directory / PROFILE_FILE)
    try:
        plain: dict[str, Any] = json.loads((directory / PROFILE_FILE).read_text())
        embeddings = np.load(directory / EMBEDDINGS_FILE).astype(np.float32)
    except (OSError, ValueError) as err:
        raise InputError(f"cannot read the reference profile: {err}", where=where) from None
    if plain.get("format") != FORMAT:
        raise InputError(f"profile format {plain.get('format')!r}; this Myna reads {FORMAT}",
                         where=where)
    try:
        return ReferenceProfile(**plain, embeddings=embeddings)
    except TypeError as err:
        raise InputError(f"not a reference profile: {err}", where=where) from None
