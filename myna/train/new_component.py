"""New entity labels as a `ner` component of their own, placed before the base pipeline's
frozen `ner` (`myna train ner --base en_core_web_sm --new-component ner_ticker`).

spaCy's entity recognizer keeps entities set before it and predicts around them, so the base
model's predictions stay its own everywhere outside the new spans: nothing of the base is
retrained, so nothing of it is forgotten. The new component reads the base's shared `tok2vec`
(frozen, annotating) where there is one, so a few hundred examples train it on pretrained
features; else it gets a tok2vec of its own.
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from thinc.api import Config

from myna.core.errors import InputError

BASE_COMPONENT = "ner"


def check_new_component(name: str, base_nlp: Language, labels: list[str]) -> None:
    if BASE_COMPONENT not in base_nlp.pipe_names:
        raise InputError("--new-component goes before the base pipeline's `ner`, and this "
                         "pipeline has none; train without --new-component",
                         where="--new-component")
    if name in base_nlp.pipe_names:
        raise InputError(f"the base pipeline already has a component named {name!r}",
                         where="--new-component")
    base_ner: Any = base_nlp.get_pipe(BASE_COMPONENT)
    known = sorted(set(labels) & set(base_ner.labels))
    if known:
        raise InputError(f"--new-component trains labels the base model lacks; it already "
                         f"predicts {', '.join(known)} (update its own `ner` for those: train "
                         "without --new-component)", where="--new-component")


def shared_tok2vec_width(base_nlp: Language) -> int | None:
    """The width of the base's shared `tok2vec` component, if it has one."""
    from spacy.pipeline import Tok2Vec

    shared = base_nlp.get_pipe("tok2vec") if "tok2vec" in base_nlp.pipe_names else None
    if isinstance(shared, Tok2Vec):
        return int(shared.model.get_dim("nO"))
    return None


def add_new_component(config: Config, base_nlp: Language, name: str) -> Config:
    """``config`` (the base's components sourced, all frozen) with a fresh `ner` called
    ``name`` inserted before the base's `ner`."""
    from spacy.cli.init_config import init_config

    starter = init_config(lang="en", pipeline=["ner"], optimize="efficiency").interpolate()
    block = starter["components"]["ner"]
    width = shared_tok2vec_width(base_nlp)
    if width is not None:
        block["model"]["tok2vec"] = {"@architectures": "spacy.Tok2VecListener.v1",
                                     "width": width, "upstream": "tok2vec"}
        config["training"]["annotating_components"] = ["tok2vec"]
    else:
        block["model"]["tok2vec"] = starter["components"]["tok2vec"]["model"]
        config["training"]["annotating_components"] = []
    pipeline = list(base_nlp.pipe_names)
    pipeline.insert(pipeline.index(BASE_COMPONENT), name)
    config["nlp"]["pipeline"] = pipeline
    config["components"] = {**{p: {"source": config["components"][p]["source"]}
                               for p in base_nlp.pipe_names}, name: block}
    config["training"]["frozen_components"] = list(base_nlp.pipe_names)
    # A fresh component: spaCy's usual step, not the small one for updating trained weights.
    config["training"]["optimizer"]["learn_rate"] = starter["training"]["optimizer"]["learn_rate"]
    return config
