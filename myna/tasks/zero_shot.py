"""``zero-shot-classification`` (``zero-shot``): scores for labels given at call time, with no
training: with a natural-language-inference model (each label's hypothesis scored for
entailment, all text × label pairs batched together: transformers#24005, #11678), or with a
sentence encoder, the bundled MiniLM by default (cosine similarity between the text and each
label's prompt; `myna.models.zero_shot`). The answer has the fields of a trained text
classifier (``cats``, ``label``, ``score``)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from myna.core.errors import InputError
from myna.models.zero_shot import (
    DEFAULT_TEMPLATE,
    SELF_TRAIN_FROM,
    SELF_TRAIN_ROUNDS,
    build,
    check_labels,
    scores_to_cats,
)
from myna.tasks.base import PIPELINES
from myna.tasks.params import Param
from myna.tasks.registry import register_task
from myna.tasks.textcat import Categories, categories

NLI_TEMPLATE = "This example is {}."
PARAMS = (
    Param("labels", list, None, "the candidate labels", required=True),
    Param("template", str, None, f"prompt around each label name (encoder default "
                                 f"{DEFAULT_TEMPLATE!r}, NLI {NLI_TEMPLATE!r})"),
    Param("descriptions", list, None, "LABEL=description items, used instead of the template"),
    Param("multi_label", bool, False, "score each label on its own"),
    Param("self_train", int, None, "rounds of self-training on the texts of this call "
                                   f"(sentence encoders; default {SELF_TRAIN_ROUNDS} from "
                                   f"{SELF_TRAIN_FROM} texts on, else 0)",
          minimum=0, maximum=10),
)


def parse_descriptions(items: list[str] | None) -> dict[str, str]:
    out = {}
    for item in items or []:
        label, sep, text = item.partition("=")
        if not sep or not label.strip() or not text.strip():
            raise InputError(f"description {item!r} is not LABEL=description")
        out[label.strip()] = text.strip()
    return out


@register_task
class ZeroShot(Categories):
    name = "zero-shot-classification"
    aliases: ClassVar[tuple[str, ...]] = ("zero-shot",)
    summary = "Scores for labels named at call time (no training)"
    sample = "The Lakers beat the Celtics in overtime."
    sample_params = {"labels": ["World", "Sports", "Business", "Sci_Tech"]}
    order = 52  # after embed: an encoder's default task needs no labels
    route: ClassVar[str | None] = None
    model_kinds = ("sentence-transformers", "transformers")
    params = PARAMS
    app_page: ClassVar[tuple[str, str] | None] = PIPELINES
    # Scored as textcat: `myna evaluate zero-shot:LABEL,LABEL,… DATA`
    evaluator: ClassVar[str | None] = None

    def shares_inputs(self, params: dict[str, Any]) -> bool:
        return params.get("self_train") != 0  # None: on for calls with many texts

    def accepts(self, model: Any) -> bool:
        return model.kind == "sentence-transformers" or (
            getattr(model, "head", None) == "text-classification"
            and model.entailment_id is not None)

    def run(self, model: Any, inputs: list[str],
            params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        params = params or self.check_params({"labels": ["yes", "no"]})
        labels = check_labels(params["labels"])
        descriptions = parse_descriptions(params["descriptions"])
        if model.kind == "sentence-transformers":
            cats = self._by_similarity(model, inputs, labels, params, descriptions)
        else:
            cats = self._by_entailment(model, inputs, labels, params, descriptions)
        return [categories(c) for c in cats]

    def _by_similarity(self, model: Any, texts: list[str], labels: list[str],
                       params: dict[str, Any], descriptions: dict[str, str]) -> list[dict]:
        rounds = params["self_train"]
        if rounds is None:
            rounds = SELF_TRAIN_ROUNDS if len(texts) >= SELF_TRAIN_FROM else 0
        if rounds:
            return build(model.encoder, model.location, labels, model.name,
                         params["template"] or DEFAULT_TEMPLATE, descriptions,
                         params["multi_label"], adapt_on=texts,
                         rounds=rounds).classify(texts)
        cache = model.__dict__.setdefault("_zero_shot", {})
        key = (tuple(labels), params["template"], tuple(sorted(descriptions.items())),
               params["multi_label"])
        if key not in cache:
            cache.clear()  # one label set at a time is the common case; bound the memory
            cache[key] = build(model.encoder, model.location, labels, model.name,
                               params["template"] or DEFAULT_TEMPLATE, descriptions,
                               params["multi_label"])
        return cache[key].classify(texts)

    def _by_entailment(self, model: Any, texts: list[str], labels: list[str],
                       params: dict[str, Any], descriptions: dict[str, str]) -> list[dict]:
        from myna.models.hf_run import class_probabilities
        from myna.models.zero_shot import prompts_for

        hypotheses = prompts_for(labels, params["template"] or NLI_TEMPLATE, descriptions)
        firsts = [t for t in texts for _ in hypotheses]
        seconds = [h for _ in texts for h in hypotheses]
        probs = class_probabilities(model, firsts, seconds).reshape(len(texts), len(labels), -1)
        entail = model.entailment_id
        if params["multi_label"]:
            contra = next((i for i, n in enumerate(model.label_names)
                           if n.lower().startswith("contra")), None)
            pair = probs[:, :, [contra, entail]] if contra is not None else probs
            scores = pair[:, :, -1] / np.maximum(pair.sum(-1), 1e-12)
            return [dict(zip(labels, map(float, row), strict=True)) for row in scores]
        logits = np.log(np.maximum(probs[:, :, entail], 1e-12))
        return scores_to_cats(logits / 20.0, labels, False)  # softmax over log-probabilities
