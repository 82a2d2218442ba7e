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

MAX_LOSS = 1.0  # points of the metric a quantised model may lose and still be kept


@dataclass
class Variant:
    name: str  # fp32, int8, fp16
    max_abs_diff: float  # probabilities, against the PyTorch model, on the probe texts
    texts_per_second: float
    score: float | None = None  # the report's metric on the probe (labelled) texts
    size_mb: float = 0.0


@dataclass
class ExportReport:
    source: str
    location: str
    output: str
    pytorch_precision: str  # what Myna's PyTorch path runs at here (timed that way)
    pytorch_texts_per_second: float
    pytorch_score: float | None
    variants: list[Variant] = field(default_factory=list)
    kept: str = "fp32"
    why: str = ""
    probe_texts: int = 0
    metric: str = "accuracy"  # a classifier's; "entity F1" for a recognizer

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _texts_per_second(nlp: Any, texts: list[str]) -> float:
    for _ in nlp.pipe(texts[:64]):  # warm-up
        pass
    started = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=256):
        pass
    return len(texts) / max(time.perf_counter() - started, 1e-9)


def export_model(ref: str, output: Path, quantize: str | None = None,
                 eval_file: Path | None = None, text_column: str = "text",
                 label_column: str | None = None, force: bool = False,
                 on_step: Callable[[str], None] | None = None) -> ExportReport:
    import tempfile

    import spacy

    from myna.core.atomic import atomic_dir
    from myna.export.onnx_graph import quantize as quantize_graph
    from myna.export.routes import route_for
    from myna.models.resolver import resolve, spacy_location

    step = on_step or (lambda _: None)
    if quantize not in (None, "int8", "fp16"):
        raise InputError(f"must be int8 or fp16 (got {quantize!r})", where="--quantize")
    resolved = resolve(ref)
    if resolved.kind == "sentence-transformers":  # the search and embedding encoder
        from myna.export.encoder import export_encoder
        from myna.export.routes import probe_texts

        return export_encoder(ref, resolved.location, resolved.version, output,
                              probe_texts(eval_file, text_column), quantize, force, step)
    location = resolved.location if resolved.kind == "spacy" else spacy_location(ref)
    source_nlp = spacy.load(location)
    component, route = route_for(source_nlp, ref)
    probe = route.probe(source_nlp, eval_file, text_column, label_column)
    route.check_labels(component, probe, str(eval_file))
    name = next(n for n, c in source_nlp.pipeline if c is component)
    step("scoring the PyTorch model")
    reference = route.reference(source_nlp, component, probe.texts)  # at full precision
    report = ExportReport(ref, location, str(output), route.precision(component),
                          _texts_per_second(source_nlp, probe.texts),
                          route.quality(source_nlp, name, reference, component, probe),
                          probe_texts=len(probe.texts), metric=route.metric)
    with tempfile.TemporaryDirectory(prefix="myna-export-") as tmp:
        graphs = {"fp32": route.graph(component, source_nlp, Path(tmp) / "fp32.onnx")}
        step("exported to ONNX")
        if quantize:
            graphs[quantize] = quantize_graph(graphs["fp32"], Path(tmp) / f"{quantize}.onnx",
                                              quantize)
            step(f"quantised ({quantize})")
        for kind, path in graphs.items():
            nlp = route.pipeline(component, path, name, source_nlp)
            scores = route.exported(nlp, name, probe.texts)
            report.variants.append(Variant(
                kind, float(abs(scores - reference).max()) if len(scores) else 0.0,
                _texts_per_second(nlp, probe.texts),
                route.quality(nlp, name, scores, component, probe),
                path.stat().st_size / 2**20))
            step(f"checked {kind}")
        report.kept, report.why = choose_variant(report, quantize, force)
        meta = {"source": ref, "source_location": location,
                "source_version": resolved.version, "format": "onnx",
                "precision": report.kept, "exported": time.strftime("%Y-%m-%dT%H:%M:%S"),
                "max_abs_diff": next(v.max_abs_diff for v in report.variants
                                     if v.name == report.kept)}
        with atomic_dir(output) as folder:
            kept = route.pipeline(component, graphs[report.kept], name, source_nlp)
            kept.meta["myna_export"] = meta
            kept.to_disk(folder)
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
    if small.score is not None and base.score is not None \
            and base.score - small.score > MAX_LOSS:
        return "fp32", (f"{quantize} loses {base.score - small.score:.1f} {report.metric} "
                        f"points (more than {MAX_LOSS}); --force keeps it anyway")
    return quantize, f"{quantize} is faster and loses at most {MAX_LOSS} point"
