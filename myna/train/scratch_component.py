"""From-scratch text classifiers (`myna.nn.classifiers`) as a spaCy pipeline component, as the
fine-tuned transformers are: `spacy.load`, evaluate, compare, serve, batch, the app and the
registry take them unchanged. On disk: ``config.json`` (architecture, labels), ``weights.pt``
(the state dict) and the token ids (``words.json`` or ``tokenizer.json``). An exported one
(`myna models export`) has ``onnx/model.onnx`` instead of the weights and runs on ONNX
Runtime."""

import json
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from myna.models.classifier_component import CategoryComponent
from myna.train.scratch_vocab import TokenIds, load_ids

FACTORY = "myna_scratch_textcat"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.pt"
ONNX_FILE = Path("onnx") / "model.onnx"


class ScratchTextClassifier(CategoryComponent):
    def __init__(self, name: str, exclusive: bool, batch_size: int):
        self.name, self.exclusive, self.batch_size = name, exclusive, batch_size
        self.model: Any = None
        self.ids: TokenIds | None = None
        self.config: Any = None  # myna.nn.classifiers.ClassifierConfig
        self._labels: list[str] = []
        self.session: Any = None  # ONNX Runtime's, for an exported model (no torch model)
        self.onnx_path: Path | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self._labels)

    def set_model(self, model: Any, ids: TokenIds, config: Any, labels: list[str]) -> None:
        self.model, self.ids, self.config, self._labels = model.eval(), ids, config, labels

    def set_onnx(self, path: Path, ids: TokenIds, config: Any, labels: list[str]) -> None:
        """Run an exported graph (token ids and lengths in, logits out) instead of PyTorch."""
        from myna.models.onnx_component import open_session

        self.session = open_session(Path(path), 2, ("ids", "lengths"))
        self.onnx_path, self.model = Path(path), None
        self.ids, self.config, self._labels = ids, config, labels

    def probabilities(self, docs: list[Doc]) -> Any:
        """(docs, labels) probabilities: softmax for exclusive classes, else sigmoid."""
        import torch

        from myna.train.scratch_batches import batch_tensors

        assert self.ids is not None
        ids, lengths = batch_tensors(self.ids.encode_docs(docs, self.config.max_len),
                                     self.ids.pad_id)
        if self.session is not None:
            scores = torch.from_numpy(self.session.run(["logits"], {
                "ids": ids.numpy(), "lengths": lengths.numpy()})[0]).float()
            probs = torch.softmax(scores, -1) if self.exclusive else torch.sigmoid(scores)
            return probs.numpy()
        device = next(self.model.parameters()).device
        with torch.inference_mode():
            logits = self.model(ids.to(device), lengths.to(device)).float()
        probs = torch.softmax(logits, -1) if self.exclusive else torch.sigmoid(logits)
        return probs.cpu().numpy()

    def _predict(self, docs: list[Doc]) -> list[Doc]:
        return self.set_cats(docs, self.probabilities(docs))

    def to_disk(self, path: Path, exclude=()) -> None:
        import torch

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        assert self.ids is not None
        (path / CONFIG_FILE).write_text(json.dumps(
            {"model": self.config.as_dict(), "labels": self._labels, "ids": self.ids.kind},
            indent=2))
        if self.onnx_path is not None:
            import shutil

            (path / ONNX_FILE).parent.mkdir(exist_ok=True)
            if self.onnx_path.resolve() != (path / ONNX_FILE).resolve():
                shutil.copyfile(self.onnx_path, path / ONNX_FILE)
        else:
            torch.save(self.model.state_dict(), path / WEIGHTS_FILE)
        self.ids.save(path)

    def from_disk(self, path: Path, exclude=()) -> "ScratchTextClassifier":
        import torch

        from myna.nn.classifiers import ClassifierConfig, build_classifier, load_state

        path = Path(path)
        saved = json.loads((path / CONFIG_FILE).read_text())
        config = ClassifierConfig(**saved["model"])
        if (path / ONNX_FILE).is_file():
            self.set_onnx(path / ONNX_FILE, load_ids(path), config, saved["labels"])
            return self
        model = build_classifier(config)
        load_state(model, torch.load(path / WEIGHTS_FILE, map_location="cpu",
                                     weights_only=True))
        self.set_model(model, load_ids(path), config, saved["labels"])
        return self


@Language.factory(FACTORY, assigns=["doc.cats"],
                  default_config={"exclusive": True, "batch_size": 64})
def make_scratch_textcat(nlp: Language, name: str, exclusive: bool, batch_size: int,
                         ) -> ScratchTextClassifier:
    return ScratchTextClassifier(name, exclusive, batch_size)
