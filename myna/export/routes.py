"""How each exportable component goes to ONNX and is checked: the text classifier (class
probabilities; accuracy on labelled texts) and the token classifier (tag probabilities of
every sub-word; entity F1 on texts with spans). A route gives the PyTorch reference scores,
the same scores from an exported pipeline, the quality on the probe, and the exported
pipeline itself."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from myna.core.errors import InputError

SAMPLE = ["Oil prices rose after the OPEC meeting in Vienna.",
          "The striker scored twice as the home team won the final.",
          "Shares of the chip maker fell 5% after its quarterly results.",
          "Scientists found water ice on the far side of the moon.",
          "Talks between the two governments ended without an agreement."]


@dataclass
class Probe:
    """Texts to compare and time on, with their gold answers when a labelled file is given
    (a label per text for a classifier, spaCy `Example`s for a recognizer)."""

    texts: list[str]
    gold: Any = None


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(-1, keepdims=True))
    return shifted / shifted.sum(-1, keepdims=True)


def probe_texts(eval_file: Path | None, text_column: str) -> list[str]:
    """Texts to compare and time an encoder on: the file's, else the built-in probes."""
    if eval_file is None:
        return SAMPLE * 20
    from myna.data.formats import read_examples

    return [ex.text for ex in read_examples(eval_file, text_column=text_column)] or SAMPLE * 20


class ClassifierRoute:
    metric = "accuracy"
    per_token = False

    def probe(self, nlp: Any, eval_file: Path | None, text_column: str,
              label_column: str | None) -> Probe:
        if eval_file is None:
            return Probe(SAMPLE * 20)
        from myna.data.formats import read_examples

        examples = list(read_examples(eval_file, text_column=text_column,
                                      label_column=label_column))
        gold = [max(ex.cats, key=lambda label: ex.cats[label]) if ex.cats else ""
                for ex in examples]
        if not examples or not all(gold):
            raise InputError("every row needs a text and a label to score the export on",
                             where=str(eval_file))
        return Probe([ex.text for ex in examples], gold)

    def check_labels(self, component: Any, probe: Probe, where: str) -> None:
        if probe.gold is not None and not set(probe.gold) <= set(component.labels):
            raise InputError(f"labels {sorted(set(probe.gold) - set(component.labels))} are "
                             f"not the model's ({', '.join(component.labels)})", where=where)

    def precision(self, component: Any) -> str:
        """What Myna's PyTorch path runs the model at here (it is timed that way)."""
        return component.runner.precision

    def graph(self, component: Any, nlp: Any, path: Path) -> Path:
        from myna.export.onnx_graph import export_classifier

        return export_classifier(component.model, component.tokenizer, path, self.per_token)

    def reference(self, nlp: Any, component: Any, texts: list[str]) -> np.ndarray:
        """The PyTorch model's probabilities at full precision."""
        from myna.models.hf_run import class_probabilities

        runner = component.runner
        as_served, runner.precision = runner.precision, "fp32"
        try:
            return class_probabilities(runner, texts, max_length=component.window,
                                       multi=not component.exclusive)
        finally:
            runner.precision = as_served

    def exported(self, nlp: Any, name: str, texts: list[str]) -> np.ndarray:
        return nlp.get_pipe(name).probabilities(texts)

    def quality(self, nlp: Any, name: str, scores: np.ndarray, component: Any,
                probe: Probe) -> float | None:
        if probe.gold is None:
            return None
        labels = list(component.labels)
        guesses = [labels[i] for i in scores.argmax(-1)]
        return 100 * sum(g == t for g, t in zip(guesses, probe.gold, strict=True)) / len(guesses)

    def pipeline(self, component: Any, onnx_path: Path, name: str, source: Any):
        from myna.models.onnx_textcat import FACTORY

        exported = _one_component(source, FACTORY, name, {
            "exclusive": component.exclusive, "max_length": component.window})
        exported.get_pipe(name).set_model(onnx_path, component.tokenizer,
                                          list(component.labels))
        return exported


class TaggerRoute(ClassifierRoute):
    metric = "entity F1"
    per_token = True

    def probe(self, nlp: Any, eval_file: Path | None, text_column: str,
              label_column: str | None) -> Probe:
        if eval_file is None:
            return Probe(SAMPLE * 20)
        from spacy.training import Example as SpacyExample

        from myna.data.formats import read_examples

        examples = list(read_examples(eval_file, text_column=text_column))
        if not examples or not any(ex.spans for ex in examples):
            raise InputError("an entity recognizer is scored on texts with entity spans "
                             "(JSONL with spans, Prodigy, CoNLL); this file has none",
                             where=str(eval_file))
        gold = [SpacyExample.from_dict(nlp.make_doc(ex.text), {"entities": [
            (s.start, s.end, s.label) for s in ex.spans]}) for ex in examples]
        return Probe([ex.text for ex in examples], gold)

    def check_labels(self, component: Any, probe: Probe, where: str) -> None:
        return None  # labels the model lacks simply score 0 F1, as `myna evaluate` has it

    def _tag_probabilities(self, component: Any, nlp: Any, texts: list[str]) -> np.ndarray:
        """Each chunk's sub-word tag probabilities, flattened (padding left out)."""
        docs = [nlp.make_doc(t) for t in texts]
        rows = []
        for start in range(0, len(docs), component.batch_size):
            _, encoding, logits = component.tag_scores(docs[start:start + component.batch_size])
            if encoding is None:
                continue
            mask = np.asarray(encoding["attention_mask"], bool)
            rows.append(_softmax(np.asarray(logits, np.float32))[mask])
        return np.concatenate(rows) if rows else np.zeros((0, len(component._labels)))

    def reference(self, nlp: Any, component: Any, texts: list[str]) -> np.ndarray:
        return self._tag_probabilities(component, nlp, texts)

    def exported(self, nlp: Any, name: str, texts: list[str]) -> np.ndarray:
        return self._tag_probabilities(nlp.get_pipe(name), nlp, texts)

    def quality(self, nlp: Any, name: str, scores: np.ndarray, component: Any,
                probe: Probe) -> float | None:
        if probe.gold is None:
            return None
        return 100 * float(nlp.evaluate(probe.gold)["ents_f"] or 0.0)

    def pipeline(self, component: Any, onnx_path: Path, name: str, source: Any):
        from myna.models.onnx_ner import FACTORY

        exported = _one_component(source, FACTORY, name, {
            "max_length": component.window, "batch_size": component.batch_size,
            "decode": component.decode})
        exported.get_pipe(name).set_model(onnx_path, component.tokenizer,
                                          list(component._labels), component.shapes,
                                          component.features)
        return exported


class ScratchRoute(ClassifierRoute):
    """A from-scratch classifier (RNN family, transformer-scratch): token ids and lengths in;
    the exported pipeline keeps the same component, running the graph instead of PyTorch."""

    def precision(self, component: Any) -> str:
        return "fp32"

    def graph(self, component: Any, nlp: Any, path: Path) -> Path:
        from myna.export.scratch_graph import export_scratch
        from myna.train.scratch_batches import batch_tensors

        docs = [nlp.make_doc(t) for t in SAMPLE[:2]]
        sample = batch_tensors(component.ids.encode_docs(docs, component.config.max_len),
                               component.ids.pad_id)
        return export_scratch(component.model, sample, path)

    def reference(self, nlp: Any, component: Any, texts: list[str]) -> np.ndarray:
        return self._probabilities(component, nlp, texts)

    def exported(self, nlp: Any, name: str, texts: list[str]) -> np.ndarray:
        return self._probabilities(nlp.get_pipe(name), nlp, texts)

    @staticmethod
    def _probabilities(component: Any, nlp: Any, texts: list[str]) -> np.ndarray:
        docs = [nlp.make_doc(t) for t in texts]
        step = component.batch_size
        return np.concatenate([component.probabilities(docs[i:i + step])
                               for i in range(0, len(docs), step)])

    def pipeline(self, component: Any, onnx_path: Path, name: str, source: Any):
        from myna.train.scratch_component import FACTORY

        exported = _one_component(source, FACTORY, name, {
            "exclusive": component.exclusive, "batch_size": component.batch_size})
        exported.get_pipe(name).set_onnx(onnx_path, component.ids, component.config,
                                         list(component.labels))
        return exported


def _one_component(source: Any, factory: str, name: str, config: dict[str, Any]):
    """A pipeline of one new component that tokenizes as ``source`` does (entities are
    tagged on tokens); the caller gives the component its model."""
    import spacy

    nlp = spacy.blank(source.lang)
    nlp.tokenizer = source.tokenizer
    nlp.add_pipe(factory, name=name, config=config)
    return nlp


def route_for(nlp: Any, ref: str) -> tuple[Any, ClassifierRoute]:
    """The pipeline's exportable component and its route, or why there is none."""
    from myna.models.ensemble_members import MemberPipelines
    from myna.nn.classifiers import RecurrentClassifier, TransformerClassifier
    from myna.train.hf_component import HFTextClassifier, HFTokenClassifier
    from myna.train.scratch_component import ScratchTextClassifier

    for _, component in nlp.pipeline:
        if isinstance(component, MemberPipelines):
            raise InputError("an ensemble is exported member by member: export each member, "
                             "then `myna models ensemble` the exports", where=ref)
        if isinstance(component, HFTextClassifier):
            return component, ClassifierRoute()
        if isinstance(component, HFTokenClassifier):
            return component, TaggerRoute()
        if isinstance(component, ScratchTextClassifier):
            if component.session is not None:
                raise InputError("this model is already an ONNX export", where=ref)
            if not isinstance(component.model, RecurrentClassifier | TransformerClassifier):
                raise InputError(f"no ONNX route for {component.config.arch} classifiers yet "
                                 "(RNN, BiRNN, LSTM, GRU and transformer-scratch have one)",
                                 where=ref)
            return component, ScratchRoute()
    raise InputError("this pipeline has no transformer component to export: spaCy's own CNN "
                     "pipelines (thinc models) have no ONNX route; train with --base "
                     "transformer to get an exportable model", where=ref)
