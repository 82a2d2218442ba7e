"""Model references and backends: `load(ref)` for any model Myna can run."""

from myna.models.base import LoadedModel
from myna.models.resolver import Resolved, load, load_resolved, resolve, spacy_location

__all__ = ["LoadedModel", "Resolved", "load", "load_resolved", "resolve", "spacy_location"]
