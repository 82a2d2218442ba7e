"""Training configs: spaCy's own starter configs, every default filled in, written to disk."""

from __future__ import annotations

from pathlib import Path

from spacy.cli.init_config import init_config
from spacy.language import Language
from thinc.api import Config

from myna.core.errors import InputError
from myna.train.spec import BLANK  # noqa: F401  (re-exported)

UPDATE_LEARN_RATE = 0.0002


def component_name(task: str, exclusive: bool) -> str:
    """The spaCy component the task trains (`Task.spacy_component`)."""
    from myna.tasks import get_task

    name = get_task(task).spacy_component(exclusive)
    if name is None:
        raise InputError(f"task {task!r} has no spaCy trainer")
    return name


def blank_config(task: str, exclusive: bool, vectors: Path | None = None,
                 cnn: bool = False) -> Config:
    """spaCy's efficiency starter config (`spacy init config -o efficiency`). With static
    vectors (or ``cnn``): its accuracy config, the one spaCy pairs with vectors (a CNN tok2vec
    that reads them; for textcat an ensemble of that CNN with the bag of words), at the
    efficiency CNN's size: on 800 AG News labels the full-size CNN took 14 min for 77.5
    macro-F1, this one 1.6 min for 80.8 (BENCHMARKS.md, word vectors in training)."""
    name = component_name(task, exclusive)
    if vectors is None and not cnn:
        return init_config(lang="en", pipeline=[name], optimize="efficiency")
    from myna.train.static_vectors import use_static_vectors

    config = init_config(lang="en", pipeline=[name], optimize="accuracy")
    efficient = init_config(lang="en", pipeline=["ner"], optimize="efficiency")
    size = efficient["components"]["tok2vec"]["model"]["encode"]
    encode = config["components"]["tok2vec"]["model"]["encode"]
    encode["width"], encode["depth"] = size["width"], size["depth"]
    if vectors is not None:
        return use_static_vectors(config, vectors)
    config["paths"]["vectors"] = None  # the accuracy config names en_core_web_lg's
    config["initialize"]["vectors"] = None
    for block in config["components"].values():
        if "embed" in block.get("model", {}):
            block["model"]["embed"]["include_static_vectors"] = False
    return config


def bag_of_words_ngrams(config: Config, size: int) -> None:
    """Every bag-of-words text classifier in ``config`` (alone or in spaCy's ensemble) counts
    n-grams up to ``size`` words, not only single words."""
    for block in config["components"].values():
        model = block.get("model", {})
        for bow in (model, model.get("linear_model", {})):
            if str(bow.get("@architectures", "")).startswith("spacy.TextCatBOW"):
                bow["ngram_size"] = size


def pretrained_config(task: str, exclusive: bool, base_nlp: Language, source: str,
                      new_component: str | None = None) -> Config:
    """Update a pretrained pipeline: every base component is sourced from it; for NER the
    existing ``ner`` is trained further (or, with ``new_component``, a new one placed before
    it: `myna.train.new_component`), for textcat a new classifier is added. Everything
    else is frozen so tagging and parsing stay exactly as the base model does them."""
    name = component_name(task, exclusive)
    config = blank_config(task, exclusive)
    pipeline = list(base_nlp.pipe_names)
    if name not in pipeline:
        pipeline.append(name)
    from myna.tasks import get_task

    new_components = ({} if get_task(task).trains_base_component
                      else {name: config["components"][name]})
    config["nlp"]["pipeline"] = pipeline
    config["nlp"]["tokenizer"] = base_nlp.config["nlp"]["tokenizer"]
    config["components"] = {p: {"source": source} for p in base_nlp.pipe_names}
    config["components"].update(new_components)
    config["training"]["frozen_components"] = [p for p in base_nlp.pipe_names if p != name]
    config["training"]["annotating_components"] = []
    config["initialize"]["vectors"] = None
    # Updating trained weights: a smaller step than training from scratch, so the labels the
    # base model already has move less (see the TICKER benchmark).
    config["training"]["optimizer"]["learn_rate"] = UPDATE_LEARN_RATE
    if new_component is not None:
        from myna.train.new_component import add_new_component

        return add_new_component(config, base_nlp, new_component)
    return config


def build_config(task: str, exclusive: bool, base_nlp: Language | None, source: str | None, *,
                 train_path: Path, dev_path: Path, max_epochs: int, seed: int, patience: int,
                 eval_frequency: int, learn_rate: float | None = None,
                 batch_words: int | None = None, vectors: Path | None = None,
                 new_component: str | None = None, cnn: bool = False, ngrams: int = 0,
                 soft_labels: bool = False) -> Config:
    """``base_nlp`` None: a blank pipeline (reading ``vectors``, a spaCy pipeline folder with
    static vectors, when given); else update ``base_nlp`` (loaded from ``source``).
    ``batch_words`` replaces spaCy's compounding batch size with a fixed one."""
    if vectors is not None and base_nlp is not None and source is not None:
        raise InputError("static vectors go with a blank pipeline (--base blank)")
    config = (blank_config(task, exclusive, vectors, cnn) if base_nlp is None or source is None
              else pretrained_config(task, exclusive, base_nlp, source, new_component))
    if ngrams:
        bag_of_words_ngrams(config, ngrams)
    if soft_labels:  # a distilled student (`myna.train.distill`)
        from myna.train.distill import soft_config

        config = soft_config(config, component_name(task, exclusive))
    config["paths"]["train"] = str(train_path)
    config["paths"]["dev"] = str(dev_path)
    config["system"]["seed"] = seed
    training = config["training"]
    training["max_epochs"] = max_epochs
    training["max_steps"] = 0
    training["patience"] = patience
    training["eval_frequency"] = eval_frequency
    if learn_rate is not None:
        training["optimizer"]["learn_rate"] = learn_rate
    if batch_words is not None:
        training["batcher"]["size"] = batch_words
    return config


def fill_config(config: Config) -> Config:
    """Every default written out, as `spacy init fill-config` does. Sourced components stay
    ``source = ...`` blocks: their weights come from the base pipeline, not from defaults."""
    from spacy.util import load_model_from_config

    sourced = {name: dict(block) for name, block in config["components"].items()
               if "source" in block}
    filled = load_model_from_config(config, auto_fill=True, validate=True).config
    for name, block in sourced.items():
        filled["components"][name] = block
    return filled
