"""Hugging Face ``transformers`` models: a directory with ``config.json`` (and weights) whose
architecture names its head: sequence or token classification, question answering, masked or
causal language model, sequence-to-sequence, or a bare encoder. The head decides which tasks
the model can do; the tasks do the rest (`myna.tasks`)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from myna.core.errors import ModelNotFoundError
from myna.models.backends import backends
from myna.models.base import LoadedModel

log = logging.getLogger("myna.models")

# Hugging Face pipeline task → (transformers' mapping of architectures, the Auto class)
HEADS: dict[str, tuple[str, str]] = {
    "text-classification": ("MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES",
                            "AutoModelForSequenceClassification"),
    "token-classification": ("MODEL_FOR_TOKEN_CLASSIFICATION_MAPPING_NAMES",
                             "AutoModelForTokenClassification"),
    "question-answering": ("MODEL_FOR_QUESTION_ANSWERING_MAPPING_NAMES",
                           "AutoModelForQuestionAnswering"),
    # before fill-mask: BART's conditional generation is a masked LM to transformers too
    "summarization": ("MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES", "AutoModelForSeq2SeqLM"),
    "text-generation": ("MODEL_FOR_CAUSAL_LM_MAPPING_NAMES", "AutoModelForCausalLM"),
    "fill-mask": ("MODEL_FOR_MASKED_LM_MAPPING_NAMES", "AutoModelForMaskedLM"),
    "feature-extraction": ("MODEL_MAPPING_NAMES", "AutoModel"),
}
NO_LIMIT = 1_000_000  # tokenizers without a maximum say 1e30


def head_of(config: dict[str, Any]) -> str | None:
    """The pipeline task of a ``config.json``'s architecture (or None)."""
    from transformers.models.auto import modeling_auto

    architectures = config.get("architectures") or []
    for head, (mapping, _) in HEADS.items():
        names = set(getattr(modeling_auto, mapping).values())
        if any(a in names for a in architectures):
            return head
    if not architectures and config.get("model_type") in modeling_auto.MODEL_MAPPING_NAMES:
        return "feature-extraction"
    return None


def resolve_device(name: str | None = None) -> str:
    """``auto`` (the default, or ``MYNA_DEVICE``): the first GPU when there is one."""
    import torch

    from myna.core.settings import get_settings

    name = name or get_settings().device
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ModelNotFoundError(f"device {name!r} asked for, but PyTorch sees no GPU here",
                                 hint="use --device cpu (or auto)")
    if name != "cpu" and not name.startswith("cuda"):
        raise ModelNotFoundError(f"unknown device {name!r}; auto, cpu, cuda or cuda:N")
    return name


PRECISIONS = ("auto", "fp32", "bf16", "fp16")


def resolve_precision(device: str, name: str | None = None) -> str:
    """``auto`` (the default, or ``MYNA_PRECISION``): fp16 on a GPU; bf16 on a CPU with native
    bf16 (AVX512-BF16 or AMX: measured 1.6× faster with the same labels, BENCHMARKS.md
    hf-throughput); else fp32."""
    import torch

    from myna.core.settings import get_settings

    name = name or get_settings().precision
    if name not in PRECISIONS:
        raise ModelNotFoundError(f"unknown precision {name!r}; one of {', '.join(PRECISIONS)}")
    if name != "auto":
        return name
    if device.startswith("cuda"):
        return "fp16"
    native = [getattr(torch.cpu, f, lambda: False)() for f in
              ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    return "bf16" if any(native) else "fp32"


class TransformersModel(LoadedModel):
    """``obj`` is the ``transformers`` model (with its head); ``tokenizer`` its tokenizer."""

    tokenizer: Any = None
    head: str = "feature-extraction"
    device: str = "cpu"
    precision: str = "fp32"

    @property
    def config(self) -> Any:
        return self.obj.config

    @property
    def window(self) -> int:
        """Tokens per sequence the model takes (special tokens included)."""
        limits = [getattr(self.config, a, None) for a in
                  ("max_position_embeddings", "n_positions", "max_length")]
        tokenizer_max = getattr(self.tokenizer, "model_max_length", NO_LIMIT)
        if tokenizer_max < NO_LIMIT:
            limits.append(tokenizer_max)
        found = [int(x) for x in limits if isinstance(x, int) and x > 0]
        window = min(found) if found else 512
        if self.config.model_type in ("roberta", "xlm-roberta", "camembert"):
            window = min(window, self.config.max_position_embeddings - 2)  # padding offset
        return window

    @property
    def label_names(self) -> list[str]:
        id2label = getattr(self.config, "id2label", None) or {}
        return [id2label[i] for i in sorted(id2label)]

    @property
    def multi_label(self) -> bool:
        """A classifier trained to give each label its own score (sigmoid, not softmax)."""
        return getattr(self.config, "problem_type", None) == "multi_label_classification"

    @property
    def entailment_id(self) -> int | None:
        """The entailment class of a natural-language-inference head, if this is one."""
        for i, label in (getattr(self.config, "id2label", None) or {}).items():
            if str(label).lower().startswith("entail"):
                return int(i)
        return None

    @property
    def labels(self) -> dict[str, list[str]]:
        names = self.label_names
        if self.head == "text-classification":
            return {"textcat": names}
        if self.head == "token-classification":
            return {"ner": sorted({n.split("-", 1)[-1] for n in names if n != "O"})}
        return {}

    def to_device(self, device: str | None = None, precision: str | None = None) -> None:
        """Move to ``device`` (``auto``: a GPU when there is one) and run at ``precision``
        (``auto``: `resolve_precision`)."""
        import torch

        self.device = resolve_device(device)
        self.precision = resolve_precision(self.device, precision)
        self.obj.to(self.device)
        if self.precision == "fp16" and self.device.startswith("cuda"):
            self.obj.to(torch.float16)
        else:
            self.obj.to(torch.float32)

    def autocast(self) -> Any:
        """The context the model runs in: bf16 autocast on a CPU at bf16, else nothing."""
        import contextlib

        import torch

        if self.precision == "bf16" and not self.device.startswith("cuda"):
            return torch.autocast("cpu", dtype=torch.bfloat16)
        if self.precision == "bf16":
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def __call__(self, encoded: dict[str, Any]) -> Any:
        """The model's outputs for tokenised inputs, without gradients."""
        import torch

        with torch.inference_mode(), self.autocast():
            return self.obj(**self.inputs(encoded))

    def inputs(self, encoded: dict[str, Any]) -> dict[str, Any]:
        """Tensors on the model's device, with only the arguments its forward takes."""
        accepted = self.__dict__.get("_accepted")
        if accepted is None:  # once: every forward pass asks
            import inspect

            accepted = self.__dict__["_accepted"] = set(
                inspect.signature(self.obj.forward).parameters)
        return {k: v.to(self.device) for k, v in encoded.items() if k in accepted}

    def encode(self, texts: list[str]) -> list[list[float]]:
        from myna.models.hf_run import mean_pooled

        return mean_pooled(self, texts)

    def save(self, directory: Path) -> None:
        self.obj.save_pretrained(directory)
        self.tokenizer.save_pretrained(directory)


def read_config(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@backends.register("transformers")
class TransformersBackend:
    kind = "transformers"
    generic = True  # other kinds' folders (sentence-transformers) have a config.json too

    def is_model_dir(self, path: Path) -> bool:
        config = read_config(path)
        return config is not None and head_of(config) is not None

    def is_installed(self, name: str) -> bool:
        return False

    def load(self, location: str, name: str) -> TransformersModel:
        import transformers
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        config = read_config(Path(location))
        head = head_of(config or {})
        if head is None:
            raise ModelNotFoundError("config.json names no architecture Myna can run",
                                     where=location)
        auto = getattr(transformers, HEADS[head][1])
        try:
            model = auto.from_pretrained(location).eval()
            tokenizer = transformers.AutoTokenizer.from_pretrained(location)
        except (OSError, ValueError) as err:
            raise ModelNotFoundError(f"cannot load the Hugging Face model: {err}",
                                     where=location) from None
        loaded = TransformersModel("transformers", model, name=name, location=location)
        loaded.tokenizer, loaded.head = tokenizer, head
        loaded.to_device()
        return loaded
