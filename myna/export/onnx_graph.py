"""A Hugging Face sequence or token classifier as an ONNX graph (token ids in, logits out, any
batch size and length), and its int8 or fp16 variants."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

OPSET = 17
INPUTS = ("input_ids", "attention_mask", "token_type_ids", "shape_ids", "word_features")


def export_classifier(model: Any, tokenizer: Any, path: Path, per_token: bool = False,
                      output: str = "logits") -> Path:
    """``per_token``: the output has a row per sub-word (a token classifier, an encoder's
    ``last_hidden_state``); ``output``: the model output's field. Trace ``model`` on two
    sample texts with PyTorch's TorchScript-based exporter (the
    dynamo-based one needs onnxscript and is still reported failing on several families)."""
    import onnx
    import torch

    sample = tokenizer(["an example", "a second, longer example text"], padding=True,
                       return_tensors="pt")
    if getattr(model, "shapes", None) is not None:  # a tagger that reads word shapes too
        sample["shape_ids"] = torch.ones_like(sample["input_ids"])
    if getattr(model, "features", None) is not None:  # ... or a spaCy pipeline's CNN features
        sample["word_features"] = torch.zeros(*sample["input_ids"].shape, model.features.dim)
    names = [k for k in INPUTS if k in sample]

    class Logits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: Any) -> Any:
            return getattr(self.model(**dict(zip(names, inputs, strict=True))), output)

    model = model.float().eval().cpu()
    axes = {name: {0: "batch", 1: "sequence"} for name in names}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's deprecation and tracer warnings
        torch.onnx.export(Logits(), tuple(sample[k] for k in names), str(path),
                          input_names=names, output_names=[output],
                          dynamic_axes={**axes, output: {0: "batch", 1: "sequence"}
                                        if per_token else {0: "batch"}}, opset_version=OPSET,
                          dynamo=False)
    onnx.checker.check_model(str(path))
    return path


def quantize(source: Path, target: Path, kind: str) -> Path:
    """``int8``: weights to 8-bit integers, activations quantised on the fly (ONNX Runtime's
    dynamic quantisation, the usual choice for transformers on CPUs); ``fp16``: weights and
    arithmetic in half precision, inputs and outputs unchanged."""
    if kind == "int8":
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic

        # Fused operators (ONNX Runtime's own domain) have no inferred types: float it is.
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    elif kind == "fp16":
        import onnx
        from onnxruntime.transformers.float16 import convert_float_to_float16

        model = convert_float_to_float16(onnx.load(str(source)), keep_io_types=True)
        onnx.save(model, str(target))
    else:
        raise ValueError(f"unknown quantisation {kind!r}")
    return target
