"""A Hugging Face sequence classifier as a spaCy pipeline component.

A model fine-tuned with `--base transformer` is saved as a spaCy pipeline whose one component
runs the Hugging Face model (kept under ``textcat/hf/`` inside it, loadable on its own
with ``from_pretrained``). So `spacy.load`, `myna evaluate`, `myna compare` and `myna analyze`
treat it like any other pipeline.
"""


from collections.abc import Iterable, Iterator
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example

FACTORY = "myna_hf_textcat"
HF_DIR = "hf"


class HFTextClassifier:
    def __init__(self, nlp: Language, name: str, exclusive: bool, max_length: int,
                 batch_size: int):
        self.name = name
        self.exclusive = exclusive
        self.max_length = max_length
        self.batch_size = batch_size
        self.model = None
        self.tokenizer = None
        self._labels: list[str] = []

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(self._labels)

    def set_model(self, model, tokenizer) -> None:
        self.model, self.tokenizer = model.eval(), tokenizer
        self._labels = [model.config.id2label[i] for i in range(model.config.num_labels)]

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        import torch

        batch: list[Doc] = []
        size = batch_size or self.batch_size
        for doc in docs:
            batch.append(doc)
            if len(batch) >= size:
                yield from self._predict(batch, torch)
                batch = []
        if batch:
            yield from self._predict(batch, torch)

    def _predict(self, docs: list[Doc], torch) -> list[Doc]:
        enc = self.tokenizer([d.text for d in docs], truncation=True, padding=True,
                             max_length=self.max_length, return_tensors="pt")
        enc = {k: v.to(self.model.device) for k, v in enc.items()}
        with torch.no_grad():
            logits = self.model(**enc).logits
        probs = logits.softmax(-1) if self.exclusive else logits.sigmoid()
        for doc, row in zip(docs, probs.cpu().tolist(), strict=True):
            doc.cats = dict(zip(self._labels, row, strict=True))
        return docs

    def score(self, examples: Iterable[Example], **kwargs) -> dict:
        from spacy.scorer import Scorer

        return Scorer.score_cats(examples, "cats", labels=self._labels,
                                 multi_label=not self.exclusive,
                                 threshold=0.0 if self.exclusive else 0.5)

    def to_disk(self, path: Path, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(path / HF_DIR)
        self.tokenizer.save_pretrained(path / HF_DIR)

    def from_disk(self, path: Path, exclude=()) -> "HFTextClassifier":
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        hf = Path(path) / HF_DIR
        self.set_model(AutoModelForSequenceClassification.from_pretrained(hf),
                       AutoTokenizer.from_pretrained(hf))
        return self


@Language.factory(FACTORY, default_config={"exclusive": True, "max_length": 128,
                                           "batch_size": 32})
def make_hf_textcat(nlp: Language, name: str, exclusive: bool, max_length: int,
                    batch_size: int) -> HFTextClassifier:
    return HFTextClassifier(nlp, name, exclusive, max_length, batch_size)
