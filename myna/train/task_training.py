"""What training a spaCy or transformer model needs to know per task, named by the task
(``Task.trainer = "module:Class"``, as ``Task.evaluator``) so the runner never names one:
which column holds labels, how read examples are made ready, how labels are checked (and a
base pipeline's entities rehearsed), and which transformer trainer fits it."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from myna.core.errors import InputError
from myna.core.example import Example, Span
from myna.train import data
from myna.train.spec import TrainSpec


class TaskTraining:
    trains_scratch = False  # has a from-scratch trainer (`fit_scratch`)
    # The quality options of `myna train` this task's trainers take (TrainSpec fields)
    levers: frozenset[str] = frozenset({"average_last"})
    def label_column(self, spec: TrainSpec) -> str | None:
        """The column of a tabular file that holds the label (None: the file has spans)."""
        return None

    def ready(self, examples: list[Example], nlp, spec: TrainSpec, where: str) -> None:
        """Fix up examples as read (before the train/dev split)."""

    def finish(self, spec: TrainSpec, nlp, source: str | None, train: list[Example],
               dev: list[Example]) -> tuple[list[Example], list[str], int]:
        """(train examples, labels, examples rehearsed with the base model's answers)."""
        raise NotImplementedError

    def fit_transformer(self, prepared: data.PreparedData, spec: TrainSpec,
                        common: dict[str, Any]) -> tuple[Path, str | None]:
        raise NotImplementedError

    def fit_scratch(self, prepared: data.PreparedData, spec: TrainSpec, output: Path,
                    record: Any, vectors: Any) -> tuple[Path, str | None, dict[str, Any]]:
        raise NotImplementedError


class NerTraining(TaskTraining):
    levers = frozenset({"average_last", "word_shapes", "spacy_features", "spacy_annotations",
                        "decode", "new_component", "join_sentences"})

    def ready(self, examples: list[Example], nlp, spec: TrainSpec, where: str) -> None:
        data.align_spans(examples, nlp, spec.fix_spans, where)

    def finish(self, spec: TrainSpec, nlp, source: str | None, train: list[Example],
               dev: list[Example]) -> tuple[list[Example], list[str], int]:
        labels = data.check_ner(train, dev)
        rehearsed = 0
        if source and spec.new_component:
            from myna.train.new_component import check_new_component

            check_new_component(spec.new_component, nlp, labels)
            # The base `ner` stays as it is; dev gets its entities so the dev score also
            # says how much of them the new component's spans displace.
            rehearse_with_base(dev, nlp, set(labels))
            # Texts without the new labels (if any) teach the new component where they are not.
            return train + raw_texts(spec), labels, 0
        if source and spec.rehearse:
            # Dev too: its base-label scores then measure agreement with the base model,
            # i.e. how much of the old labels the update forgot.
            rehearsed = rehearse_with_base(train, nlp, set(labels))
            rehearse_with_base(dev, nlp, set(labels))
            raw = raw_texts(spec)
            if raw:
                rehearsed += rehearse_with_base(raw, nlp, set(labels))
                train = train + raw
            labels = data.check_ner(train, dev, frozenset(nlp.get_pipe("ner").labels))
        return train, labels, rehearsed

    def fit_transformer(self, prepared: data.PreparedData, spec: TrainSpec,
                        common: dict[str, Any]) -> tuple[Path, str | None]:
        from myna.train.transformer_ner import train_ner

        best, _, _, stopped = train_ner(prepared.train, prepared.dev, prepared.labels,
                                        word_shapes=spec.word_shapes, decode=spec.decode,
                                        spacy_features=spec.spacy_features or "",
                                        spacy_annotations=spec.spacy_annotations,
                                        **common)
        return best, stopped


def raw_texts(spec: TrainSpec) -> list[Example]:
    """The ``--rehearse-with`` texts, any spans they carry dropped."""
    if spec.rehearse_with is None:
        return []
    raw = data.load(spec.rehearse_with, spec.text_column, None)
    for ex in raw:
        ex.spans = []
    return raw


def rehearse_with_base(examples: list[Example], base_nlp, new_labels: set[str]) -> int:
    """Add the base model's own entities (of its labels) to each training text where they do
    not overlap a gold span, so updating with new labels does not forget the old ones."""
    base_labels = set(base_nlp.get_pipe("ner").labels) - new_labels
    added = 0
    texts = (ex.text for ex in examples)
    for ex, doc in zip(examples, base_nlp.pipe(texts, batch_size=256), strict=True):
        gold_labels = {s.label for s in ex.spans}
        for ent in doc.ents:
            if ent.label_ not in base_labels or ent.label_ in gold_labels:
                continue
            if any(ent.start_char < s.end and s.start < ent.end_char for s in ex.spans):
                continue
            ex.spans.append(Span(ent.start_char, ent.end_char, ent.label_))
            added += 1
        ex.spans.sort(key=lambda s: s.start)
    return added


class TextcatTraining(TaskTraining):
    trains_scratch = True
    # repair_escapes changes texts, so span offsets would move: text classification only
    levers = frozenset({"average_last", "repair_escapes", "cnn", "ngrams", "teacher",
                        "unlabelled", "augment", "temperature"})

    def label_column(self, spec: TrainSpec) -> str | None:
        return spec.label_column

    def finish(self, spec: TrainSpec, nlp, source: str | None, train: list[Example],
               dev: list[Example]) -> tuple[list[Example], list[str], int]:
        return train, data.check_textcat(train, dev, spec.exclusive), 0

    def fit_transformer(self, prepared: data.PreparedData, spec: TrainSpec,
                        common: dict[str, Any]) -> tuple[Path, str | None]:
        from myna.train.transformer_textcat import train_textcat

        best, _, _, stopped = train_textcat(prepared.train, prepared.dev, prepared.labels,
                                            exclusive=spec.exclusive, **common)
        return best, stopped

    def fit_scratch(self, prepared: data.PreparedData, spec: TrainSpec, output: Path,
                    record: Any, vectors: Any) -> tuple[Path, str | None, dict[str, Any]]:
        from myna.train.scratch_textcat import train_scratch_textcat

        return train_scratch_textcat(prepared.train, prepared.dev, prepared.labels, spec,
                                     output, record, vectors)


def training_for(task_name: str) -> TaskTraining:
    """The training hooks the task names; an error for a task Myna cannot train."""
    from myna.tasks import all_tasks, get_task

    task = get_task(task_name)
    if not task.trainer:
        trainable = [t.name for t in all_tasks() if t.trainer]
        raise InputError(f"task {task.name!r} cannot be trained here (trainable: "
                         f"{', '.join(trainable)})")
    module, name = task.trainer.split(":")
    return getattr(importlib.import_module(module), name)()
