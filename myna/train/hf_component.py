"""Hugging Face classifiers as spaCy pipeline components.

A model fine-tuned with `--base transformer` is saved as a spaCy pipeline whose one component
runs the Hugging Face model (kept under ``<component>/hf/`` inside it, loadable on its own
with ``from_pretrained``). So `spacy.load`, `myna evaluate`, `myna compare` and `myna analyze`
treat it like any other pipeline.
"""

from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from myna.models.classifier_component import BufferedComponent, CategoryComponent, TokenTagger

FACTORY = "myna_hf_textcat"
NER_FACTORY = "myna_hf_ner"
HF_DIR = "hf"


class _HFComponent(BufferedComponent):
    """Device placement and (de)serialisation shared by both components."""

    auto_class = ""  # the `transformers` Auto class that reloads the model
    buffer = 1  # docs predicted together (the text classifier sorts them by length)

    def __init__(self, name: str, max_length: int, batch_size: int):
        self.name = name
        self.max_length = max_length
        self.batch_size = batch_size
        self.model: Any = None  # a transformers model, once set_model or from_disk ran
        self.tokenizer: Any = None
        self._labels: list[str] = []
        self._runner: Any = None

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self._labels)

    def set_model(self, model, tokenizer) -> None:
        self.model, self.tokenizer = model.eval(), tokenizer
        self._labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
        self._runner = None

    @property
    def runner(self) -> Any:
        """The model as Myna's Hugging Face backend runs it (length-grouped batches)."""
        if self._runner is None:
            from myna.models.hf_backend import TransformersModel

            runner = TransformersModel("transformers", self.model, name=self.name, location="")
            runner.tokenizer, runner.head = self.tokenizer, "text-classification"
            runner.device = ""  # set below
            self._runner = runner
        if self._runner.device != str(self.model.device):  # training may have moved it
            from myna.models.hf_backend import resolve_precision

            self._runner.device = str(self.model.device)
            self._runner.precision = resolve_precision(self._runner.device)
        self._runner.batch_size = self.batch_size
        return self._runner

    @property
    def window(self) -> int:
        """Sub-words per sequence: the configured length, capped by the model's positions."""
        positions = getattr(self.model.config, "max_position_embeddings", None)
        return min(self.max_length, positions) if positions else self.max_length

    def _logits(self, enc):
        import torch

        with torch.no_grad():
            return self.model(**{k: v.to(self.model.device) for k, v in enc.items()}).logits

    def to_disk(self, path: Path, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(path / HF_DIR)
        self.tokenizer.save_pretrained(path / HF_DIR)

    def from_disk(self, path: Path, exclude=()):
        import transformers

        hf = Path(path) / HF_DIR
        self.set_model(self._load_model(hf), transformers.AutoTokenizer.from_pretrained(hf))
        return self

    def _load_model(self, hf: Path) -> Any:
        import transformers

        return getattr(transformers, self.auto_class).from_pretrained(hf)


class HFTextClassifier(CategoryComponent, _HFComponent):
    auto_class = "AutoModelForSequenceClassification"
    buffer = 512

    def __init__(self, name: str, exclusive: bool, max_length: int, batch_size: int):
        super().__init__(name, max_length, batch_size)
        self.exclusive = exclusive

    def _predict(self, docs: list[Doc]) -> list[Doc]:
        from myna.models.hf_run import class_probabilities

        return self.set_cats(docs, class_probabilities(
            self.runner, [d.text for d in docs], max_length=self.window,
            multi=not self.exclusive))


class HFTokenClassifier(TokenTagger, _HFComponent):
    """Tags every spaCy token (from its first sub-word) with BIO and sets ``doc.ents``; a
    model trained with word shapes or spaCy features (`myna.models.word_feature_tagger`) gets
    them here too."""

    auto_class = "AutoModelForTokenClassification"

    def __init__(self, name: str, max_length: int, batch_size: int, decode: str = "greedy"):
        from myna.models.bio_decode import check_decoder

        super().__init__(name, max_length, batch_size)
        self.decode = check_decoder(decode)

    def set_model(self, model, tokenizer) -> None:
        super().set_model(model, tokenizer)
        self.shapes = getattr(model, "shapes", None)
        self.features = getattr(model, "features", None)

    def _load_model(self, hf: Path) -> Any:
        from myna.models.word_feature_tagger import has_word_features

        if has_word_features(hf):
            from myna.models.word_feature_tagger import WordFeatureTagger

            return WordFeatureTagger.from_pretrained(hf)
        return super()._load_model(hf)

    def _logits(self, enc):
        return _HFComponent._logits(self, enc).cpu()


@Language.factory(FACTORY, assigns=["doc.cats"],
                  default_config={"exclusive": True, "max_length": 128, "batch_size": 32})
def make_hf_textcat(nlp: Language, name: str, exclusive: bool, max_length: int,
                    batch_size: int) -> HFTextClassifier:
    return HFTextClassifier(name, exclusive, max_length, batch_size)


@Language.factory(NER_FACTORY, assigns=["doc.ents", "token.ent_iob", "token.ent_type"],
                  default_config={"max_length": 128, "batch_size": 32, "decode": "greedy"})
def make_hf_ner(nlp: Language, name: str, max_length: int, batch_size: int, decode: str,
                ) -> HFTokenClassifier:
    return HFTokenClassifier(name, max_length, batch_size, decode)
