"""Link recognised entities to knowledge-base ids.

Candidates come from a normalised alias match (``"Apple's"`` → ``apple`` → ``Apple Inc.``),
filtered by entity type. Each candidate gets

    score = 0.6 * prior + 0.4 * max(0, cos(context, description))

where ``prior`` is 1.0 when the mention is the entry's full name and 0.85 for an alias, and
the context is the mention's sentence (or a window around it) embedded with the MiniLM
encoder. The best candidate is linked only if its score is at least ``threshold`` (default
0.6) and beats the runner-up by ``margin`` (default 0.05); otherwise the span gets no id.
With the defaults a full-name match always links, and an alias match needs a context
similarity of at least 0.225.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

import numpy as np

from myna.core.example import Example, Span
from myna.text.aliases import normalise
from myna.text.kb import KBEntry, KnowledgeBase

DEFAULT_THRESHOLD = 0.6
DEFAULT_MARGIN = 0.05
NAME_PRIOR, ALIAS_PRIOR = 1.0, 0.85
PRIOR_WEIGHT = 0.6
CONTEXT_CHARS = 300

# Entity labels an entry type accepts (spaCy's small models often call a place GPE or LOC).
COMPATIBLE = {"GPE": {"GPE", "LOC"}, "LOC": {"GPE", "LOC"}, "ORG": {"ORG"},
              "PERSON": {"PERSON"}}


def label_fits(entry_type: str, label: str) -> bool:
    return not entry_type or label in COMPATIBLE.get(entry_type, {entry_type})


def context_of(ex: Example, span: Span) -> str:
    for start, end in ex.sents or ():
        if start <= span.start < end:
            return ex.text[start:end]
    lo = max(0, span.start - CONTEXT_CHARS // 2)
    return ex.text[lo: span.end + CONTEXT_CHARS // 2]


class EntityLinker:
    def __init__(self, kb: KnowledgeBase, encoder: str | None = None,
                 threshold: float = DEFAULT_THRESHOLD, margin: float = DEFAULT_MARGIN):
        self.kb = kb
        self.encoder_name = encoder
        self.threshold = threshold
        self.margin = margin
        self._desc_vectors: dict[str, np.ndarray] = {}
        # One encoder for every thread a server predicts on: a Hugging Face fast tokenizer
        # must not be called from two threads at once ("Already borrowed").
        self._encoder_lock = threading.Lock()

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_encoder_lock"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._encoder_lock = threading.Lock()

    @classmethod
    def from_file(cls, path: str | Path, **kwargs) -> EntityLinker:
        return cls(KnowledgeBase.from_file(path), **kwargs)

    def prepare(self) -> None:
        """Load the encoder and embed every description now, not on the first request."""
        self._descriptions(list(self.kb.entries.values()))

    def _encode(self, texts: list[str]) -> np.ndarray:
        from myna.text.encoders import load_sentence_encoder

        with self._encoder_lock:
            model = load_sentence_encoder(self.encoder_name)
            return model.encode(texts, batch_size=64, normalize_embeddings=True,
                                convert_to_numpy=True, show_progress_bar=False)

    def _descriptions(self, entries: list[KBEntry]) -> None:
        todo = [e for e in {e.id: e for e in entries}.values() if e.id not in self._desc_vectors]
        if todo:
            vectors = self._encode([e.description or e.name for e in todo])
            self._desc_vectors.update(zip((e.id for e in todo), vectors, strict=True))

    def score(self, mention: str, entry: KBEntry, similarity: float) -> float:
        prior = NAME_PRIOR if normalise(mention) == normalise(entry.name) else ALIAS_PRIOR
        return PRIOR_WEIGHT * prior + (1 - PRIOR_WEIGHT) * max(0.0, similarity)

    def link(self, examples: list[Example]) -> list[Example]:
        """Set ``kb_id`` and ``score`` on the spans that link; clear them on the rest."""
        jobs: list[tuple[Example, Span, list[KBEntry]]] = []
        for ex in examples:
            for span in ex.spans:
                span.kb_id, span.score = None, None
                cands = [e for e in self.kb.candidates(ex.text[span.start:span.end])
                         if label_fits(e.type, span.label)]
                if cands:
                    jobs.append((ex, span, cands))
        if not jobs:
            return examples
        self._descriptions([e for _, _, cands in jobs for e in cands])
        contexts = self._encode([context_of(ex, span) for ex, span, _ in jobs])
        for (ex, span, cands), ctx in zip(jobs, contexts, strict=True):
            mention = ex.text[span.start:span.end]
            scored = sorted(((self.score(mention, e, float(ctx @ self._desc_vectors[e.id])), e)
                             for e in cands), key=lambda p: p[0], reverse=True)
            best_score, best = scored[0]
            runner_up = scored[1][0] if len(scored) > 1 else 0.0
            if best_score >= self.threshold and best_score - runner_up >= self.margin:
                span.kb_id, span.score = best.id, round(best_score, 4)
        return examples

    def link_stream(self, examples: Iterable[Example], batch_size: int = 256,
                    ) -> Iterator[Example]:
        it = iter(examples)
        while batch := list(islice(it, batch_size)):
            yield from self.link(batch)
