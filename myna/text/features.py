"""What `--only` can ask for, and which pipeline components each feature needs."""

from __future__ import annotations

from collections.abc import Iterable

from myna.core.errors import InputError

DEFAULT_BATCH_SIZE = 256  # texts per `nlp.pipe` batch in analysis

FEATURES: tuple[str, ...] = ("tokens", "pos", "dep", "lemma", "noun_chunks", "sents", "ner")

# Attributes a feature reads; a component that assigns any of them is needed.
FEATURE_ATTRS: dict[str, set[str]] = {
    "tokens": set(),
    "pos": {"token.pos", "token.tag", "token.morph"},
    "dep": {"token.dep", "token.head"},
    "lemma": {"token.lemma"},
    "noun_chunks": {"token.dep", "token.head", "token.pos", "token.tag"},
    "sents": {"doc.sents", "token.is_sent_start"},
    "ner": {"doc.ents", "token.ent_iob", "token.ent_type"},
}

# Factories whose meta does not declare what they assign but which a feature still relies on:
# the attribute ruler maps fine-grained tags to coarse POS, the lemmatizer reads POS.
FEATURE_FACTORIES: dict[str, set[str]] = {
    "tokens": set(),
    "pos": {"attribute_ruler"},
    "dep": set(),
    "lemma": {"tagger", "attribute_ruler", "morphologizer"},
    "noun_chunks": {"attribute_ruler"},
    "sents": set(),
    "ner": {"entity_ruler", "span_ruler"},
}

# Features whose result is per-token, so the token table is produced.
TOKEN_FEATURES = {"tokens", "pos", "dep", "lemma"}


def parse_features(only: str | Iterable[str] | None) -> frozenset[str]:
    """Turn ``"ner,pos"`` (or a list) into a validated feature set; ``None`` means all."""
    if only is None:
        return frozenset(FEATURES)
    names = only.split(",") if isinstance(only, str) else list(only)
    chosen = {n.strip().lower().replace("-", "_") for n in names if n.strip()}
    aliases = {"ents": "ner", "entities": "ner", "tag": "pos", "lemmas": "lemma",
               "deps": "dep", "chunks": "noun_chunks", "sentences": "sents", "token": "tokens"}
    chosen = {aliases.get(n, n) for n in chosen}
    unknown = sorted(chosen - set(FEATURES))
    if unknown:
        raise InputError(
            f"unknown feature(s) {', '.join(unknown)}; choose from {', '.join(FEATURES)}",
            where="--only",
        )
    if not chosen:
        raise InputError("no feature selected", where="--only")
    return frozenset(chosen)
