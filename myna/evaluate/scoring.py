"""Evaluate a pipeline on labelled data: per-label scores, averages, confusions, worst errors.

Scores come from spaCy's own scorer; what is scored comes from the task's evaluator
(`myna.evaluate.evaluator`). On CoNLL input the NER figure is cross-checked against `seqeval`
on the same tokens, and the two must agree.
"""

from __future__ import annotations

from pathlib import Path

from myna.core.errors import InputError
from myna.core.example import Example
from myna.data.docbin import example_to_doc, make_doc
from myna.data.formats import read_examples
from myna.evaluate.evaluator import EvalReport, detect, evaluator_for
from myna.evaluate.labelmap import LabelMap

__all__ = ["EvalReport", "evaluate", "load_labelled", "predict"]


def _load_model(model: str, task: str | None = None):
    """Any reference `myna.load` takes (``models:/news-ner@production``, a Hugging Face
    directory, ``zero-shot:A,B``); a model that is not a spaCy pipeline is scored through a
    pipeline that holds its answers for ``task`` (`myna.evaluate.as_pipeline`)."""
    from myna.models import load

    loaded = load(model)
    if loaded.kind == "spacy":
        return loaded.obj
    if task is None:
        raise InputError(f"model {model!r} is a {loaded.kind} model; say which task to score")
    from myna.evaluate.as_pipeline import as_pipeline

    return as_pipeline(loaded, task)


def load_labelled(data_path: str | Path, text_column: str = "text",
                  label_column: str | None = None, fmt: str | None = None,
                  repair: bool = False, join: int = 1) -> tuple[list[Example], str]:
    """``repair``: mend web-scrape escapes in the texts (`myna.data.repair`) as training did;
    ``join``: a CoNLL document's sentences that many at a time (`myna.data.join_sentences`)."""
    examples = list(read_examples(data_path, fmt, text_column, label_column))
    if not examples:
        raise InputError("no examples to evaluate", where=str(data_path))
    if join != 1:
        from myna.data.join_sentences import join_sentences

        examples = join_sentences(examples, join, str(data_path))
    if repair:
        from myna.data.repair import repair_examples

        repair_examples(examples, str(data_path))
    return examples, detect(examples).task


def predict(model: str, examples: list[Example], task: str, data_path: str | Path,
            label_map: LabelMap | None = None):
    """Run ``model`` over the examples' texts (their own tokens for CoNLL); return the
    pipeline, spaCy ``Example`` pairs (predicted, reference) and spaCy's scores. Predicted
    labels are renamed by ``label_map`` first (the evaluator says whether its task's are)."""
    from spacy.scorer import Scorer
    from spacy.training import Example as SpacyExample

    evaluator = evaluator_for(task)
    nlp = _load_model(model, task)
    missing = evaluator.missing(nlp)
    if missing:
        raise InputError(f"model {model!r} {missing} (pipes: {', '.join(nlp.pipe_names)})")
    references = [example_to_doc(ex, nlp, f"{data_path}: example {i}")
                  for i, ex in enumerate(examples, start=1)]
    predicted = evaluator.relabel(
        nlp.pipe((make_doc(ex, nlp) for ex in examples), batch_size=256), label_map)
    pairs = [SpacyExample(doc, ref) for doc, ref in zip(predicted, references, strict=True)]
    return nlp, pairs, Scorer(nlp).score(pairs)


def evaluate(model: str, data_path: str | Path, *, text_column: str = "text",
             label_column: str | None = None, fmt: str | None = None, n_errors: int = 10,
             label_map: LabelMap | None = None, repair: bool = False,
             join: int = 1) -> EvalReport:
    examples, task = load_labelled(data_path, text_column, label_column, fmt, repair, join)
    nlp, pairs, scores = predict(model, examples, task, data_path, label_map)
    evaluator = evaluator_for(task)
    return evaluator.report(model, str(data_path), examples, pairs, scores,
                            evaluator.known_labels(nlp, label_map), n_errors, nlp)
