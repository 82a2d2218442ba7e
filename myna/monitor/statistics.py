"""The two-sample statistics a drift check is made of: population stability index, the
Kolmogorov–Smirnov test, maximum mean discrepancy with a permutation p-value, a domain
classifier's ROC AUC, and the words that most tell two sets of texts apart.

SciPy and scikit-learn do the tests and the classifier; what is written here is only what
neither library has (PSI, the MMD permutation test, the weighted log-odds of words)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
PSI_FLOOR = 1e-4  # a share never seen on one side counts as this (PSI is infinite otherwise)


def words(text: str) -> list[str]:
    """Lower-cased alphabetic words: what the vocabulary and unknown-word rates count."""
    return WORD.findall(text.lower())


def word_counts(texts: Iterable[str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(words(text))
    return counts


def unknown_rate(counts: Mapping[str, int], vocabulary: Mapping[str, int] | set[str]) -> float:
    """The share of word occurrences in ``counts`` that ``vocabulary`` never saw."""
    total = sum(counts.values())
    if not total:
        return 0.0
    return sum(n for w, n in counts.items() if w not in vocabulary) / total


def shares(labels: Iterable[str], categories: Iterable[str] = ()) -> dict[str, float]:
    counts = Counter(labels)
    for category in categories:
        counts.setdefault(category, 0)
    total = sum(counts.values()) or 1
    return {k: n / total for k, n in sorted(counts.items())}


def psi(reference: Mapping[str, float], current: Mapping[str, float]) -> float:
    """Population stability index, Σ (c − r)·ln(c / r) over the categories of either side;
    by the usual rule of thumb under 0.1 is stable and over 0.2 a significant shift."""
    total = 0.0
    for category in set(reference) | set(current):
        r = max(reference.get(category, 0.0), PSI_FLOOR)
        c = max(current.get(category, 0.0), PSI_FLOOR)
        total += (c - r) * math.log(c / r)
    return total


def ks_test(reference: Iterable[float], current: Iterable[float]) -> tuple[float, float]:
    """Two-sample Kolmogorov–Smirnov: (statistic D, p-value)."""
    from scipy.stats import ks_2samp

    result = ks_2samp(np.asarray(list(reference), float), np.asarray(list(current), float))
    return float(result.statistic), float(result.pvalue)


def _rbf_kernel(x: np.ndarray) -> np.ndarray:
    """Gaussian kernel over all rows; the bandwidth is the median pairwise distance."""
    squared = np.sum(x * x, axis=1)
    distances = np.maximum(squared[:, None] + squared[None, :] - 2.0 * x @ x.T, 0.0)
    upper = distances[np.triu_indices(len(x), k=1)]
    bandwidth = float(np.median(upper[upper > 0])) if np.any(upper > 0) else 1.0
    return np.exp(-distances / bandwidth)


def _mmd2(kernel: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Unbiased squared MMD of the rows marked in each row of ``masks`` against the rest, all
    at once: each split's block sums come from one product of the kernel with the masks
    (rather than copying the kernel's blocks for every permutation)."""
    first = masks.astype(np.float64)  # (splits, rows)
    within = np.einsum("sr,sr->s", first @ kernel, first)  # sum of the first block
    across = first @ kernel.sum(axis=1) - within  # sum of the off-diagonal block
    rest = kernel.sum() - within - 2.0 * across
    diagonal = np.diag(kernel)
    n = first.sum(axis=1)
    m = len(diagonal) - n
    return ((within - first @ diagonal) / (n * (n - 1))
            + (rest - (diagonal.sum() - first @ diagonal)) / (m * (m - 1))
            - 2.0 * across / (n * m))


def mmd_test(reference: np.ndarray, current: np.ndarray, permutations: int = 200,
             seed: int = 0) -> tuple[float, float]:
    """Maximum mean discrepancy (squared, unbiased, RBF kernel) and its permutation p-value:
    how often shuffling which rows are "reference" gives a discrepancy at least as large."""
    pooled = np.vstack([reference, current]).astype(np.float64)
    kernel = _rbf_kernel(pooled)
    first = np.zeros(len(pooled), bool)
    first[:len(reference)] = True
    rng = np.random.default_rng(seed)
    shuffled = np.array([rng.permutation(first) for _ in range(permutations)]).reshape(
        permutations, len(first))
    scores = _mmd2(kernel, np.vstack([first, shuffled]))
    at_least = int(np.sum(scores[1:] >= scores[0]))
    return float(scores[0]), (at_least + 1) / (permutations + 1)


def domain_classifier(reference: np.ndarray, current: np.ndarray,
                      seed: int = 0) -> tuple[float, float]:
    """How well a classifier tells current rows from reference ones (a classifier two-sample
    test, Lopez-Paz & Oquab 2017): logistic regression fitted on a stratified half, its ROC
    AUC on the other half (0.5: it cannot), and a one-sided Mann–Whitney p-value for that AUC.
    The held-out half keeps the p-value honest; cross-validated scores are not independent and
    gave false alarms on i.i.d. windows here (BENCHMARKS.md, drift detection)."""
    from scipy.stats import mannwhitneyu
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    x = np.vstack([reference, current])
    y = np.r_[np.zeros(len(reference)), np.ones(len(current))]
    x_fit, x_test, y_fit, y_test = train_test_split(x, y, test_size=0.5, stratify=y,
                                                    random_state=seed)
    scores = LogisticRegression(max_iter=1000).fit(x_fit, y_fit).predict_proba(x_test)[:, 1]
    auc = float(roc_auc_score(y_test, scores))
    p_value = float(mannwhitneyu(scores[y_test == 1], scores[y_test == 0],
                                 alternative="greater").pvalue)
    return auc, p_value


def distinguishing_words(reference: Mapping[str, int], current: Mapping[str, int],
                         top: int = 15, min_count: int = 3) -> list[dict[str, Any]]:
    """Words most over-represented in ``current``: the log-odds ratio with an informative
    Dirichlet prior (Monroe, Colaresi & Quinn 2008), as a z-score, largest first (English
    stop words left out: they shift with style, not with topic)."""
    prior = Counter(reference) + Counter(current)
    prior_total = sum(prior.values())
    ref_total, cur_total = sum(reference.values()), sum(current.values())
    if not ref_total or not cur_total:
        return []
    scale = 500.0 / prior_total  # a prior worth 500 words, shaped like the pooled counts
    from spacy.lang.en.stop_words import STOP_WORDS

    found: list[dict[str, Any]] = []
    for word, n_current in current.items():
        if n_current < min_count or word in STOP_WORDS:
            continue
        alpha = prior[word] * scale
        alpha_0 = prior_total * scale
        n_reference = reference.get(word, 0)
        delta = (math.log((n_current + alpha) / (cur_total + alpha_0 - n_current - alpha))
                 - math.log((n_reference + alpha) / (ref_total + alpha_0 - n_reference - alpha)))
        variance = 1.0 / (n_current + alpha) + 1.0 / (n_reference + alpha)
        found.append({"word": word, "z": delta / math.sqrt(variance),
                      "current_per_1k": 1000 * n_current / cur_total,
                      "reference_per_1k": 1000 * n_reference / ref_total})
    found.sort(key=lambda row: -float(row["z"]))
    return found[:top]
