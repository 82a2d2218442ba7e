"""sentence-transformers encoders: a directory with ``modules.json`` (the bundled MiniLM by
default)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from myna.models.backends import backends
from myna.models.base import LoadedModel


class EncoderModel(LoadedModel):
    @property
    def encoder(self) -> Any:
        return self.obj

    @property
    def dimensions(self) -> int:
        return int(self.encoder.get_sentence_embedding_dimension())

    def encode(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self.encoder.encode(texts, batch_size=self.batch_size,
                                      show_progress_bar=False)
        return [v.tolist() for v in vectors]

    def save(self, directory: Path) -> None:
        source = Path(self.location)
        if source.is_dir():
            shutil.copytree(source, directory)
        else:
            self.encoder.save(str(directory))


@backends.register("sentence-transformers")
class EncoderBackend:
    kind = "sentence-transformers"

    def is_model_dir(self, path: Path) -> bool:
        return (path / "modules.json").is_file()

    def is_installed(self, name: str) -> bool:
        return False

    def load(self, location: str, name: str) -> EncoderModel:
        from myna.models.onnx_encoder import OnnxSentenceEncoder, is_exported_encoder
        from myna.text.encoders import load_sentence_encoder

        if is_exported_encoder(Path(location)):  # `myna models export`: on ONNX Runtime
            return EncoderModel("sentence-transformers", OnnxSentenceEncoder(Path(location)),
                                name=name, location=location)
        return EncoderModel("sentence-transformers", load_sentence_encoder(location),
                            name=name, location=location)
