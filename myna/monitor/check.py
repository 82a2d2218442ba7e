"""Compare current texts (and the model's answers to them) with a reference profile.

Five findings, each with its rule: the predicted labels' population stability index (drift at
≥ 0.2, the usual threshold), Kolmogorov–Smirnov on text lengths and on confidences, and
embedding drift by MMD (permutation test) and by a domain classifier (its ROC AUC, tested with
Mann–Whitney). The p-value tests share ``alpha`` (Bonferroni), so one check on i.i.d. data
raises a false alarm with probability at most about ``alpha``. Repeated texts stay repeated:
both tests are valid for i.i.d. samples with duplicates, and dropping them changes a sample's
distribution by its size (measured: false alarms on templated text)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from myna.core.errors import InputError
from myna.models.base import LoadedModel
from myna.monitor import statistics as stats
from myna.monitor.profile import (
    Outputs,
    ReferenceProfile,
    embed,
    model_outputs,
    sample_texts,
)

MIN_TEXTS = 20  # fewer current texts than this: no test has the power to say anything
PSI_LIMIT = 0.2


@dataclass
class Finding:
    name: str
    statistic: float
    p_value: float | None
    rule: str  # when it counts as drift, in words
    drifted: bool


@dataclass
class DriftReport:
    reference: ReferenceProfile
    texts: int
    alpha: float
    findings: list[Finding]
    label_shares: dict[str, float]
    confidences: list[float]
    lengths: list[int]
    unknown_rate: float
    words: list[dict[str, Any]]
    embeddings: np.ndarray = field(repr=False, default_factory=lambda: np.zeros((0, 0)))

    @property
    def drifted(self) -> bool:
        return any(f.drifted for f in self.findings)

    def summary(self) -> dict[str, Any]:
        """The figures, JSON-ready (for `--json`, /metrics and the app)."""
        return {"drift": self.drifted, "texts": self.texts, "alpha": self.alpha,
                "model": self.reference.model, "task": self.reference.task,
                "findings": [f.__dict__ for f in self.findings],
                "label_shares": {"reference": self.reference.label_shares,
                                 "current": self.label_shares},
                "unknown_rate": {"reference": self.reference.unknown_rate,
                                 "current": self.unknown_rate},
                "distinguishing_words": self.words}


def check_drift(reference: ReferenceProfile, texts: list[str], model: LoadedModel | None,
                alpha: float = 0.05, psi_limit: float = PSI_LIMIT, seed: int = 0,
                outputs: Outputs | None = None,
                embeddings: np.ndarray | None = None) -> DriftReport:
    """``model`` answers the current texts unless ``outputs`` already holds its answers
    (the serving monitor records them as requests go by); with neither, only the inputs
    are compared. ``embeddings``: the texts' sentence embeddings when already computed
    (with the profile's encoder, one row per text; only when there are at most a sample's
    worth of texts)."""
    if len(texts) < MIN_TEXTS:
        raise InputError(f"{len(texts)} current texts; a drift check needs at least "
                         f"{MIN_TEXTS}")
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be between 0 and 1, not {alpha}", where="--alpha")
    sample = sample_texts(texts, seed=seed)
    if outputs is None and model is not None:
        outputs = model_outputs(model, sample, reference.task)
    outputs = outputs or Outputs(reference.task)
    lengths = [len(stats.words(t)) for t in sample_texts(texts, 5000, seed)]
    if embeddings is not None and len(embeddings) != len(sample):
        raise InputError(f"{len(embeddings)} embeddings for {len(sample)} texts")
    current_embeddings = embed(sample, reference.encoder) if embeddings is None else embeddings
    tests: list[tuple[str, float, float]] = [("text length (KS)",
                                              *stats.ks_test(reference.lengths, lengths))]
    findings = []
    shares = stats.shares(outputs.labels)
    if outputs.labels and reference.label_shares:
        value = stats.psi(reference.label_shares, shares)
        findings.append(Finding("predicted labels (PSI)", value, None, f"PSI ≥ {psi_limit}",
                                value >= psi_limit))
    if outputs.confidences and reference.confidences:
        tests.append(("confidence (KS)", *stats.ks_test(reference.confidences,
                                                        outputs.confidences)))
    if reference.embeddings.size and current_embeddings.size:
        if reference.embeddings.shape[1] != current_embeddings.shape[1]:
            raise InputError(f"the profile's embeddings have {reference.embeddings.shape[1]} "
                             f"dimensions, the encoder gives {current_embeddings.shape[1]}",
                             where=reference.encoder or "the bundled MiniLM")
        tests.append(("embeddings (MMD)", *stats.mmd_test(reference.embeddings,
                                                          current_embeddings, seed=seed)))
        tests.append(("embeddings (domain classifier AUC)",
                      *stats.domain_classifier(reference.embeddings, current_embeddings,
                                               seed=seed)))
    each = alpha / len(tests)
    findings += [Finding(name, value, p, f"p < {each:.4g}", p < each)
                 for name, value, p in tests]
    counts = stats.word_counts(texts)
    return DriftReport(reference, len(texts), alpha, findings, shares, outputs.confidences,
                       lengths, stats.unknown_rate(counts, reference.vocabulary),
                       stats.distinguishing_words(reference.vocabulary, counts),
                       current_embeddings)
