"""Word vectors as spaCy static vectors (the `spacy init vectors` route): the vectors go into a
blank pipeline's vocabulary on disk, the training config's ``[initialize] vectors`` points at
it, and the CNN tok2vec reads them (``include_static_vectors``). The trained pipeline keeps
them in its own vocabulary, so it serves without the vectors folder."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from thinc.api import Config

from myna.core.errors import InputError
from myna.text.vectors import WordVectors

SPACY_DIR = "static_vectors"  # inside the training output folder


def spacy_vectors(loaded: WordVectors, output: Path) -> tuple[Path, dict[str, Any]]:
    """Write the vectors as a spaCy pipeline under ``output``; what the run records."""
    import numpy as np
    import spacy
    from spacy.vectors import Vectors

    lowercase = bool(loaded.meta.get("lowercase"))
    nlp = spacy.blank("en")
    # fastText's character n-grams do not carry over (spaCy's own n-gram mode, floret, hashes
    # differently): spaCy gets the vocabulary's vectors, as for word2vec.
    nlp.vocab.vectors = Vectors(strings=nlp.vocab.strings,
                                data=np.ascontiguousarray(loaded.kv.vectors, dtype=np.float32),
                                keys=list(loaded.kv.index_to_key),
                                attr="LOWER" if lowercase else "ORTH",
                                name=_name(loaded.source))
    target = output / SPACY_DIR
    nlp.to_disk(target)
    info = {"vectors": str(Path(loaded.source).resolve()), "vectors.words": loaded.words,
            "vectors.dim": loaded.dim, "vectors.algo": loaded.meta.get("algo", "unknown"),
            "vectors.lowercase": lowercase}
    return target, info


def _name(source: str) -> str:
    """spaCy wants a package-like name for the vectors (it goes into meta.json)."""
    stem = re.sub(r"[^A-Za-z0-9_]+", "_", Path(source).name).strip("_") or "vectors"
    return f"myna_{stem}"


def use_static_vectors(config: Config, vectors_dir: Path) -> Config:
    """Point the config at the vectors and let every tok2vec embed them."""
    config["paths"]["vectors"] = str(vectors_dir)
    config["initialize"]["vectors"] = "${paths.vectors}"
    embeds = [block["model"]["embed"] for block in config["components"].values()
              if "model" in block and "embed" in block["model"]]
    if not embeds:
        raise InputError("this pipeline has no tok2vec to read static vectors")
    for embed in embeds:
        embed["include_static_vectors"] = True
    return config
