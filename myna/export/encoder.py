"""`myna models export` for a sentence encoder (the search and embedding model): the
sentence-transformers folder copied whole, its transformer traced to ``onnx/model.onnx``; the
check is how close the ONNX embeddings are to the PyTorch encoder's (largest difference of a
component, and the mean cosine similarity ×100 as the score)."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from myna.core.errors import InputError


def _texts_per_second(encode: Callable[[list[str]], Any], texts: list[str]) -> float:
    encode(texts[:64])  # warm-up
    started = time.perf_counter()
    encode(texts)
    return len(texts) / max(time.perf_counter() - started, 1e-9)


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return (a * b).sum(1)


def export_encoder(ref: str, location: str, version: str | None, output: Path,
                   texts: list[str], quantize: str | None, force: bool,
                   step: Callable[[str], None]) -> Any:
    from myna.core.atomic import atomic_dir
    from myna.export.onnx_graph import export_classifier
    from myna.export.onnx_graph import quantize as quantize_graph
    from myna.export.run import ExportReport, Variant, choose_variant
    from myna.models.onnx_encoder import MARKER, ONNX_FILE, OnnxSentenceEncoder
    from myna.text.encoders import load_sentence_encoder

    source = Path(location)
    if not source.is_dir():
        raise InputError("an encoder is exported from its folder", where=ref)
    encoder = load_sentence_encoder(str(source))
    transformer = encoder[0].auto_model

    def torch_encode(batch: list[str]) -> np.ndarray:
        return np.asarray(encoder.encode(batch, batch_size=64, show_progress_bar=False))

    step("embedding with the PyTorch encoder")
    reference = torch_encode(texts)
    report = ExportReport(ref, location, str(output), "fp32",
                          _texts_per_second(torch_encode, texts), 100.0,
                          probe_texts=len(texts), metric="cosine to PyTorch ×100")
    with tempfile.TemporaryDirectory(prefix="myna-export-") as tmp:
        graphs = {"fp32": export_classifier(transformer, encoder.tokenizer,
                                            Path(tmp) / "fp32.onnx", per_token=True,
                                            output="last_hidden_state")}
        step("exported to ONNX")
        if quantize:
            graphs[quantize] = quantize_graph(graphs["fp32"], Path(tmp) / f"{quantize}.onnx",
                                              quantize)
        for kind, graph in graphs.items():
            folder = Path(tmp) / kind
            _assemble(source, graph, folder, {})
            onnx_encoder = OnnxSentenceEncoder(folder)

            def onnx_encode(batch: list[str], run: Any = onnx_encoder) -> np.ndarray:
                return run.encode(batch, batch_size=64)

            vectors = onnx_encode(texts)
            report.variants.append(Variant(
                kind, float(np.abs(vectors - reference).max()),
                _texts_per_second(onnx_encode, texts),
                100 * float(_cosines(vectors, reference).mean()),
                graph.stat().st_size / 2**20))
            step(f"checked {kind}")
        report.kept, report.why = choose_variant(report, quantize, force)
        meta = {"source": ref, "source_location": location, "source_version": version,
                "format": "onnx", "precision": report.kept,
                "exported": time.strftime("%Y-%m-%dT%H:%M:%S")}
        with atomic_dir(output) as folder:
            shutil.copytree(Path(tmp) / report.kept, folder, dirs_exist_ok=True)
            (folder / MARKER).write_text(json.dumps(meta, indent=2))
            (folder / "export.json").write_text(json.dumps(report.as_dict(), indent=2))
            if not (folder / ONNX_FILE).is_file():
                raise InputError("the export lost its graph", where=str(folder))
    return report


def _assemble(source: Path, graph: Path, folder: Path, meta: dict[str, Any]) -> None:
    """The encoder folder with the graph in place of the PyTorch weights (and the marker)."""
    from myna.models.onnx_encoder import MARKER, ONNX_FILE

    weights = {"model.safetensors", "pytorch_model.bin"}
    shutil.copytree(source, folder, ignore=lambda _, names: [n for n in names if n in weights
                                                             or n == "onnx"])
    (folder / ONNX_FILE).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(graph, folder / ONNX_FILE)
    (folder / MARKER).write_text(json.dumps(meta))
