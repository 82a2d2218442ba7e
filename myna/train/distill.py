"""Distillation (`myna train textcat --base blank --teacher REF`): a fast spaCy classifier (the
student) learns a slower model's (the teacher's) probabilities instead of one-hot labels, on
the training texts, on any unlabelled texts given (`--unlabelled FILE`) and on perturbed copies
of both (`--augment N`, `myna.train.augment`). `--temperature T` softens the teacher's
probabilities before the student sees them: p ** (1/T), renormalised, which for a softmax
teacher is exactly softmax(logits / T), the temperature of Hinton et al. (2015). A transformer
student (`--base transformer`) is trained on the same examples, on each one's top category
(`myna.train.data.class_targets`): self-training.

spaCy's `textcat` trains on exactly that loss (the squared distance of its scores to the
reference ``doc.cats``) but refuses references other than 0 and 1, so the student trains as
`myna_soft_textcat` (the same component, checking that each reference is a distribution) and is
saved as a plain spaCy `textcat`: loading it needs spaCy only. Model selection and early
stopping still read the held-out slice's gold labels.
"""

# no `from __future__ import annotations`: spaCy reads the factory's types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.pipeline.textcat import DEFAULT_SINGLE_TEXTCAT_MODEL, TextCategorizer

from myna.core.errors import InputError
from myna.core.example import Example

SOFT_FACTORY = "myna_soft_textcat"
TEACHER_BATCH = 64


class SoftTextCategorizer(TextCategorizer):
    """spaCy's exclusive `textcat`, trained on probability distributions."""

    def _validate_categories(self, examples) -> None:
        for ex in examples:
            values = list(ex.reference.cats.values())
            if values and (min(values) < 0 or max(values) > 1 or abs(sum(values) - 1) > 1e-3):
                raise ValueError(f"soft labels must be a distribution over the labels, not "
                                 f"{ex.reference.cats}")


def make_soft_textcat(nlp: Language, name: str, model: Any, threshold: float,
                      scorer: Any) -> SoftTextCategorizer:
    return SoftTextCategorizer(nlp.vocab, model, name, threshold=threshold, scorer=scorer)


if not Language.has_factory(SOFT_FACTORY):
    Language.factory(SOFT_FACTORY, assigns=["doc.cats"],
                     default_config={"threshold": 0.0, "model": DEFAULT_SINGLE_TEXTCAT_MODEL,
                                     "scorer": {"@scorers": "spacy.textcat_scorer.v2"}},
                     default_score_weights={"cats_score": 1.0, "cats_macro_f": None,
                                            "cats_micro_f": None})(make_soft_textcat)


def check_teacher(teacher: str, labels: list[str], exclusive: bool) -> Any:
    """The teacher's spaCy pipeline, if it classifies texts into exactly ``labels``."""
    import spacy

    from myna.models import spacy_location

    if not exclusive:
        raise InputError("distillation trains on one distribution over the labels per text: "
                         "exclusive categories only", where="--teacher")
    nlp = spacy.load(spacy_location(teacher))
    known = set()
    for _, component in nlp.pipeline:
        known |= set(getattr(component, "labels", ()) or ())
    if set(labels) - known:
        raise InputError(f"the teacher does not predict {', '.join(sorted(set(labels) - known))}"
                         f" (it knows {', '.join(sorted(known)) or 'no categories'})",
                         where="--teacher")
    return nlp


def teacher_labels(teacher_nlp: Any, texts: list[str], labels: list[str],
                   on_progress: Callable[[int, int], None] | None = None,
                   temperature: float = 1.0) -> list[dict[str, float]]:
    """The teacher's probabilities for each text, over ``labels`` (renormalised, softened by
    ``temperature``)."""
    rows: list[dict[str, float]] = []
    for start in range(0, len(texts), TEACHER_BATCH):
        for doc in teacher_nlp.pipe(texts[start:start + TEACHER_BATCH], batch_size=TEACHER_BATCH):
            scores = [max(float(doc.cats.get(label, 0.0)), 0.0) ** (1.0 / temperature)
                      for label in labels]
            total = sum(scores) or 1.0
            rows.append({label: s / total for label, s in zip(labels, scores, strict=True)})
        if on_progress is not None:
            on_progress(len(rows), len(texts))
    return rows


def distill_examples(train: list[Example], unlabelled: list[str], teacher: str,
                     labels: list[str], exclusive: bool,
                     on_progress: Callable[[int, int], None] | None = None,
                     augment: int = 0, temperature: float = 1.0, seed: int = 0,
                     ) -> list[Example]:
    """The training texts, the unlabelled ones and ``augment`` perturbed copies of each, all
    with the teacher's probabilities."""
    from myna.train.augment import augmented

    teacher_nlp = check_teacher(teacher, labels, exclusive)
    texts = [ex.text for ex in train] + unlabelled
    texts += augmented(texts, augment, seed)
    soft = teacher_labels(teacher_nlp, texts, labels, on_progress, temperature)
    return [Example(text=text, cats=cats, meta={"teacher": teacher})
            for text, cats in zip(texts, soft, strict=True)]


def soft_config(config: Any, component: str) -> Any:
    """The training config with the classifier trained on soft labels."""
    config["components"][component]["factory"] = SOFT_FACTORY
    return config


def as_plain_textcat(model_dir: Path, component: str) -> None:
    """Rewrite a trained student as spaCy's own `textcat` (same weights, same config)."""
    import spacy

    if not (model_dir / "config.cfg").is_file():
        return
    student = spacy.load(model_dir)
    config = student.config.copy()
    config["components"][component]["factory"] = "textcat"
    plain = spacy.util.load_model_from_config(config, auto_fill=False)
    for name, proc in student.pipeline:
        target: Any = plain.get_pipe(name)
        target.from_bytes(proc.to_bytes())  # type: ignore[attr-defined]
    plain.meta.update(student.meta)
    plain.to_disk(model_dir)
