"""`myna models export REF --format onnx`: the model's graph to ONNX, a parity check against
PyTorch, optional int8/fp16 quantisation judged on speed and quality, and the result saved as
a pipeline any Myna command loads (with where it came from in its meta)."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from myna.core.errors import InputError
from myna.models.base import PROFILE_DIR

SAMPLE = ["Oil prices rose after the OPEC meeting in Vienna.",
          "The striker scored twice as the home team won the final.",
          "Shares of the chip maker fell 5% after its quarterly results.",
          "Scientists found water ice on the far side of the moon.",
          "Talks between the two governments ended without an agreement."]
MAX_LOSS = 1.0  # accuracy points a quantised model may lose and still be kept


@dataclass
class Variant:
    name: str  # fp32, int8, fp16
    max_abs_diff: float  # probabilities, against the PyTorch model, on the probe texts
    texts_per_second: float
    accuracy: float | None = None
    size_mb: float = 0.0


@dataclass
class ExportReport:
    source: str
    location: str
    output: str
    pytorch_precision: str  # what Myna's PyTorch path runs at here (timed that way)
    pytorch_texts_per_second: float
    pytorch_accuracy: float | None
    variants: list[Variant] = field(default_factory=list)
    kept: str = "fp32"
    why: str = ""
    probe_texts: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _source_component(nlp: Any, ref: str) -> Any:
    from myna.train.hf_component import HFTextClassifier, HFTokenClassifier

    for _, component in nlp.pipeline:
        if isinstance(component, HFTextClassifier):
            return component
        if isinstance(component, HFTokenClassifier):
            raise InputError("ONNX export covers text classifiers so far; the token "
                             "classifier (NER) is not exported yet", where=ref)
    raise InputError("this pipeline has no transformer component to export: spaCy's own CNN "
                     "pipelines (thinc models) have no ONNX route; train with --base "
                     "transformer to get an exportable model", where=ref)


def _probe(eval_file: Path | None, text_column: str, label_column: str | None,
           ) -> tuple[list[str], list[str] | None]:
    """Texts to compare and time on (the labelled file when given), and their gold labels."""
    if eval_file is None:
        return SAMPLE * 20, None
    from myna.data.formats import read_examples

    examples = list(read_examples(eval_file, text_column=text_column,
                                  label_column=label_column))
    gold = [max(ex.cats, key=lambda label: ex.cats[label]) if ex.cats else ""
            for ex in examples]
    if not examples or not all(gold):
        raise InputError("every row needs a text and a label to score the export on",
                         where=str(eval_file))
    return [ex.text for ex in examples], gold


def _texts_per_second(nlp: Any, texts: list[str]) -> float:
    for _ in nlp.pipe(texts[:64]):  # warm-up
        pass
    started = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=256):
        pass
    return len(texts) / max(time.perf_counter() - started, 1e-9)


def _accuracy(probs: Any, labels: list[str], gold: list[str] | None) -> float | None:
    if gold is None:
        return None
    guesses = [labels[i] for i in probs.argmax(-1)]
    return 100 * sum(g == t for g, t in zip(guesses, gold, strict=True)) / len(gold)


def _exported_pipeline(component: Any, onnx_path: Path, name: str, meta: dict[str, Any]):
    import spacy

    from myna.models.onnx_textcat import FACTORY

    nlp = spacy.blank("en")
    exported = nlp.add_pipe(FACTORY, name=name, config={
        "exclusive": component.exclusive, "max_length": component.window})
    exported.set_model(onnx_path, component.tokenizer, list(component.labels))  # type: ignore[attr-defined]
    nlp.meta["myna_export"] = meta
    return nlp


def export_model(ref: str, output: Path, quantize: str | None = None,
                 eval_file: Path | None = None, text_column: str = "text",
                 label_column: str | None = None, force: bool = False,
                 on_step: Callable[[str], None] | None = None) -> ExportReport:
    import tempfile

    import spacy

    from myna.core.atomic import atomic_dir
    from myna.export.onnx_graph import export_classifier
    from myna.export.onnx_graph import quantize as quantize_graph
    from myna.models.resolver import spacy_location

    step = on_step or (lambda _: None)
    if quantize not in (None, "int8", "fp16"):
        raise InputError(f"must be int8 or fp16 (got {quantize!r})", where="--quantize")
    location = spacy_location(ref)
    texts, gold = _probe(eval_file, text_column, label_column)
    source_nlp = spacy.load(location)
    component = _source_component(source_nlp, ref)
    name = next(n for n, c in source_nlp.pipeline if c is component)
    labels = list(component.labels)
    if gold is not None and not set(gold) <= set(labels):
        raise InputError(f"labels {sorted(set(gold) - set(labels))} are not the model's "
                         f"({', '.join(labels)})", where=str(eval_file))
    step("scoring the PyTorch model")
    from myna.models.hf_run import class_probabilities

    runner = component.runner
    as_served, runner.precision = runner.precision, "fp32"  # parity against full precision
    reference = class_probabilities(runner, texts, max_length=component.window,
                                    multi=not component.exclusive)
    runner.precision = as_served  # timed as Myna runs it (bf16 on CPUs that have it)
    report = ExportReport(ref, location, str(output), as_served,
                          _texts_per_second(source_nlp, texts),
                          _accuracy(reference, labels, gold), probe_texts=len(texts))
    with tempfile.TemporaryDirectory(prefix="myna-export-") as tmp:
        graphs = {"fp32": export_classifier(component.model, component.tokenizer,
                                            Path(tmp) / "fp32.onnx")}
        step("exported to ONNX")
        if quantize:
            graphs[quantize] = quantize_graph(graphs["fp32"], Path(tmp) / f"{quantize}.onnx",
                                              quantize)
            step(f"quantised ({quantize})")
        pipelines = {}
        for kind, path in graphs.items():
            nlp = _exported_pipeline(component, path, name, {})
            probs = nlp.get_pipe(name).probabilities(texts)
            report.variants.append(Variant(
                kind, float(abs(probs - reference).max()), _texts_per_second(nlp, texts),
                _accuracy(probs, labels, gold), path.stat().st_size / 2**20))
            pipelines[kind] = (nlp, path)
            step(f"checked {kind}")
        report.kept, report.why = choose_variant(report, quantize, force)
        from myna.models.resolver import resolve

        meta = {"source": ref, "source_location": location,
                "source_version": resolve(ref).version, "format": "onnx",
                "precision": report.kept, "exported": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "max_abs_diff": next(v.max_abs_diff for v in report.variants
                                     if v.name == report.kept)}
        with atomic_dir(output) as folder:
            _exported_pipeline(component, pipelines[report.kept][1], name, meta).to_disk(folder)
            (folder / "export.json").write_text(json.dumps(report.as_dict(), indent=2))
            if (Path(location) / PROFILE_DIR).is_dir():  # drift checks keep their reference
                shutil.copytree(Path(location) / PROFILE_DIR, folder / PROFILE_DIR)
    return report


def choose_variant(report: ExportReport, quantize: str | None, force: bool) -> tuple[str, str]:
    """The quantised model only when it is faster and loses at most MAX_LOSS points (users
    report int8 models that are slower than fp32: onnxruntime #17389, #20052), or when
    forced."""
    if not quantize:
        return "fp32", "no quantisation asked for"
    base = next(v for v in report.variants if v.name == "fp32")
    small = next(v for v in report.variants if v.name == quantize)
    if force:
        return quantize, "--force"
    if small.texts_per_second < base.texts_per_second:
        return "fp32", (f"{quantize} is slower here ({small.texts_per_second:,.0f} vs "
                        f"{base.texts_per_second:,.0f} texts/s); --force keeps it anyway")
    if small.accuracy is not None and base.accuracy is not None \
            and base.accuracy - small.accuracy > MAX_LOSS:
        return "fp32", (f"{quantize} loses {base.accuracy - small.accuracy:.1f} accuracy "
                        f"points (more than {MAX_LOSS}); --force keeps it anyway")
    return quantize, f"{quantize} is faster and loses at most {MAX_LOSS} point"
