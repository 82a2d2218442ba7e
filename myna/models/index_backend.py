"""Vector indexes (`myna.search`) as models: a folder with an index ``manifest.json``. The
index remembers its encoder (reference and checksum); queries are embedded with it, and an
encoder whose files differ from the one that built the index is refused."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from myna.core.errors import InputError
from myna.models.backends import backends
from myna.models.base import LoadedModel

SMALL_FILE = 10 * 1024 * 1024  # files hashed in full; bigger ones by name, size and ends


def encoder_checksum(location: str) -> str:
    """A fingerprint of an encoder directory's files (names, sizes, contents of the small
    ones, first and last MiB of the big ones)."""
    digest = hashlib.sha256()
    root = Path(location)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        size = path.stat().st_size
        digest.update(f"{path.relative_to(root)}:{size}".encode())
        with open(path, "rb") as f:
            if size <= SMALL_FILE:
                digest.update(f.read())
            else:
                digest.update(f.read(1 << 20))
                f.seek(-(1 << 20), 2)
                digest.update(f.read())
    return digest.hexdigest()[:16]


def load_encoder(ref: str | None) -> tuple[LoadedModel, dict[str, str]]:
    """The encoder for an index (default: the bundled MiniLM) and its manifest entry."""
    from myna.models.resolver import load_resolved, resolve

    resolved = resolve(ref, "sentence-transformers")
    model = load_resolved(resolved)
    if not hasattr(model, "encode"):
        raise InputError(f"{ref} is a {model.kind} model, not a sentence encoder")
    return model, {"ref": ref or "minilm (bundled)", "location": resolved.location,
                   "checksum": encoder_checksum(resolved.location)}


class IndexModel(LoadedModel):
    """``obj`` is the `IndexStore`; ``encoder`` embeds the queries."""

    encoder: Any = None

    def encode(self, texts: list[str]) -> np.ndarray:
        from myna.search.store import normalised

        return normalised(self.encoder.encode(texts))

    def save(self, directory: Path) -> None:
        shutil.copytree(self.location, directory)


def check_encoder(recorded: dict[str, Any], given: str | None) -> LoadedModel:
    """The index's own encoder, or ``given`` when its files are the same; else refused."""
    ref = given or recorded.get("location")
    encoder, entry = load_encoder(ref if ref and Path(ref).exists() else given)
    if entry["checksum"] != recorded.get("checksum"):
        raise InputError(f"the encoder {entry['ref']!r} is not the one that built this index "
                         f"({recorded.get('ref')!r}, checksum {recorded.get('checksum')}); "
                         "queries embedded by another encoder would match nothing sensible",
                         hint="use the index's encoder, or build a new index")
    return encoder


@backends.register("vector-index")
class IndexBackend:
    kind = "vector-index"

    def is_model_dir(self, path: Path) -> bool:
        try:
            manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(manifest, dict) and "segments" in manifest and "encoder" in manifest

    def is_installed(self, name: str) -> bool:
        return False

    def load(self, location: str, name: str) -> IndexModel:
        from myna.search.store import IndexStore

        store = IndexStore.open(location)
        model = IndexModel("vector-index", store, name=name, location=location)
        model.encoder = check_encoder(store.encoder, None)
        return model
