"""What a training run is asked to do: light to import (the CLI builds it before spaCy loads)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

BLANK = "blank"  # --base: a new pipeline from spaCy's default config


@dataclass
class TrainSpec:
    task: str  # "ner" or "textcat"
    source: Path | None  # None: read `dataset` from the annotation store
    output: Path
    dev_source: Path | None = None
    base: str = BLANK
    exclusive: bool = True
    text_column: str = "text"
    label_column: str | None = None
    epochs: int = 20
    max_minutes: float | None = None
    seed: int = 0
    patience: int = 1600
    dev_fraction: float = 0.2
    fix_spans: str | None = None
    rehearse: bool = True
    rehearse_with: Path | None = None  # raw texts the base model annotates as extra training
    learn_rate: float | None = None  # None: the base's default
    batch_size: int | None = None  # examples per step (transformer) or words per batch (spaCy)
    dataset: str | None = None  # an annotation dataset (accepted answers, one per text)
    db: str | None = None  # the annotation store's URL; None: the settings' database
    vectors: str | None = None  # word vectors (`myna vectors train`): a blank spaCy pipeline's
    # static vectors, or a from-scratch model's first embeddings ("random": none)
    tokenizer: str | None = None  # a from-scratch model's token ids (`myna tokenizer train`)
    hidden: int | None = None  # from-scratch models: hidden (or feed-forward) size
    layers: int | None = None  # from-scratch models: recurrent or transformer layers
    attention: str = "full"  # transformer-scratch: full, adaptive-span, persistent-memory, …
    device: str | None = None  # from-scratch models: auto, cpu, cuda, cuda:N (None: settings')
    precision: str | None = None  # from-scratch models: auto, fp32, fp16, bf16
    profile: bool = True  # write the reference profile drift checks compare with
    keep: str = "best"  # the model the run scores and logs: model-best or model-last
    # Quality levers (each recorded in the run's parameters):
    word_shapes: int = 0  # transformer NER: size of a word-shape embedding beside the encoder
    spacy_features: str | None = None  # transformer NER: a spaCy pipeline whose entity
    # recogniser's CNN features are read beside the encoder (e.g. en_core_web_sm)
    spacy_annotations: str = ""  # with spacy_features: its predictions too, one-hot ("ents,tags")
    decode: str = "greedy"  # transformer NER: how BIO tags are read (greedy, viterbi)
    average_last: int = 0  # transformers: try the average of the last K evaluations' weights
    new_component: str | None = None  # NER update: new labels in a `ner` of this name, before
    # the base's frozen one (which then keeps its predictions outside the new entities)
    join_sentences: int = 1  # reader: a CoNLL document's sentences N at a time (0: whole)
    repair_escapes: bool = False  # reader: mend `\` line breaks, `#36;`/`quot;` remnants
    cnn: bool = False  # blank spaCy textcat: a CNN beside the bag of words
    ngrams: int = 0  # blank spaCy textcat: the bag of words' longest n-gram (0: spaCy's 1)
    teacher: str | None = None  # distillation: the model whose probabilities the student learns
    unlabelled: Path | None = None  # distillation: more texts for the teacher to label
    augment: int = 0  # distillation: perturbed copies of each text, labelled by the teacher too
    temperature: float = 1.0  # distillation: >1 softens the teacher's probabilities

    @property
    def source_name(self) -> str:
        return f"dataset {self.dataset}" if self.dataset else str(self.source)
