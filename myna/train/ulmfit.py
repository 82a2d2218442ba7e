"""`--base ulmfit:LM`: a classifier on a language model's encoder and vocabulary (from
`myna lm train --arch lstm`), trained ULMFiT's way: gradual unfreezing (the head alone for an
epoch, then one more layer group down each epoch, then everything for the epochs left of
--epochs) with discriminative
learning rates (each group 2.6× slower than the one above: the book's
``slice(lr / 2.6**4, lr)`` for five groups). ``--vectors random`` keeps the language model's
vocabulary and the classifier's shape and schedule but starts every weight at random: the
same classifier without language-model pretraining, to measure what pretraining adds."""

from __future__ import annotations

from typing import Any

from myna.core.errors import InputError
from myna.train.spec import TrainSpec

DECAY = 2.6


def _lm_path(spec: TrainSpec) -> str:
    return spec.base.split(":", 1)[1]


def check_ulmfit(spec: TrainSpec) -> Any:
    """The language model, or a clear error before any data is read."""
    from myna.train.lm import load_lm

    lm = load_lm(_lm_path(spec))
    if lm.config.arch != "lstm":
        raise InputError(f"ULMFiT fine-tunes an LSTM language model; this one is a "
                         f"{lm.config.arch}", where="--base")
    from myna.train.scratch_textcat import RANDOM

    if spec.vectors not in (None, RANDOM):
        raise InputError("ULMFiT starts from the language model's own embeddings (--vectors "
                         "random: from none, the control without pretraining)",
                         where="--vectors")
    if spec.tokenizer:
        from myna.train.scratch_textcat import token_ids

        given: Any = token_ids(spec, [])
        theirs: Any = lm.ids
        same = (theirs.kind == "tokenizer"
                and given.tokenizer.to_str() == theirs.tokenizer.to_str())
        if not same:
            raise InputError("the language model was trained with another vocabulary; a "
                             "classifier on its encoder must use the language model's own "
                             "(leave --tokenizer out)", where="--tokenizer")
    return lm


def discriminative_rates(lr: float, groups: int) -> list[float]:
    """Bottom group first: lr / 2.6**(groups − 1), …, lr / 2.6, lr."""
    return [lr / DECAY ** (groups - 1 - i) for i in range(groups)]


def build_ulmfit(spec: TrainSpec, labels: list[str]):
    from myna.nn.classifiers import ClassifierConfig, build_classifier
    from myna.train.scratch_textcat import Built, Stage

    lm = check_ulmfit(spec)
    c = lm.config
    config = ClassifierConfig("ulmfit", c.vocab_size, len(labels), embed_dim=c.embed_dim,
                              hidden=c.hidden, layers=c.layers, dropout=c.dropout,
                              padding_idx=c.padding_idx)
    model: Any = build_classifier(config)
    pretrained = spec.vectors is None  # --vectors random: the same classifier, no pretraining
    if pretrained:
        model.encoder.load_state_dict(lm.model.encoder.state_dict())
    groups = model.layer_groups()
    rates = discriminative_rates(spec.learn_rate or 2e-3, len(groups))
    stages, budget = [], spec.epochs  # --epochs bounds the stages' epochs together
    for top in range(1, len(groups) + 1):
        if budget <= 0:
            break
        chosen = range(len(groups) - top, len(groups))
        epochs = 1 if top < len(groups) else budget
        budget -= epochs
        name = "head" if top == 1 else ("all" if top == len(groups) else f"top {top} groups")
        stages.append(Stage(name, epochs, [{"params": groups[i], "lr": rates[i]}
                                           for i in chosen]))
    info = {"language_model": _lm_path(spec), "pretrained": pretrained,
            "lm_perplexity": lm.history[-1]["perplexity"] if lm.history else None,
            "learning_rates": ",".join(f"{r:.2e}" for r in rates)}
    return Built(lm.ids, config, model, stages, info)
