"""Train a from-scratch text classifier (`--base rnn|birnn|lstm|gru|transformer-scratch`):
token ids from the training texts or ``--tokenizer``, embeddings random or from ``--vectors``,
AdamW, length-grouped batches, one evaluation per epoch on the split of the training data
(never the scoring file), the best epoch kept. Saved as spaCy pipelines, model-best and
model-last, like every other trained model."""

from __future__ import annotations

import copy
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from myna.core.errors import InputError
from myna.core.example import Example
from myna.nn.names import ARCHS, ATTENTION
from myna.train.data import class_targets
from myna.train.spec import TrainSpec

RANDOM = "random"  # --vectors random: embeddings start random (the default)
ULMFIT = "ulmfit:"  # --base ulmfit:LM, a language model from `myna lm train`


def is_scratch_base(base: str) -> bool:
    return base in ARCHS or base.startswith(ULMFIT)


def _heads(dim: int) -> int:
    return next(h for h in (4, 2, 1) if dim % h == 0)



def token_ids(spec: TrainSpec, train: list[Example]):
    from myna.train.scratch_vocab import TokenizerIds, WordIds

    if spec.tokenizer:
        from myna.train.tokenizer import load_tokenizer

        return TokenizerIds(load_tokenizer(spec.tokenizer))
    return WordIds.build(ex.text for ex in train)


def copy_vectors(embed: Any, ids: Any, vectors: Any) -> int:
    """Rows of known tokens take the static vectors; returns how many were found."""
    import torch

    found = 0
    with torch.no_grad():
        for index in range(ids.size):
            if index == ids.pad_id:
                continue
            token = ids.token_of(index)
            for form in (token, token.lstrip("#▁Ġ"), token.capitalize(), token.upper()):
                if form and vectors.known(form):
                    embed.weight[index] = torch.tensor(vectors.vector(form))
                    found += 1
                    break
    return found


@dataclass
class Stage:
    """Epochs with some parameter groups trainable, each at its own learning rate."""
    name: str
    epochs: int
    groups: list[dict[str, Any]]  # torch optimizer groups: {"params": [...], "lr": float}


@dataclass
class Built:
    ids: Any
    config: Any
    model: Any
    stages: list[Stage]
    info: dict[str, Any]


def build(spec: TrainSpec, train: list[Example], labels: list[str], vectors: Any) -> Built:
    """A new model (embeddings random, or from ``vectors``: the loaded --vectors), trained in
    one stage."""
    from myna.nn.classifiers import ClassifierConfig, build_classifier

    ids = token_ids(spec, train)
    dim = vectors.dim if vectors is not None else 100
    config = ClassifierConfig(spec.base, ids.size, len(labels), embed_dim=dim,
                              hidden=spec.hidden or 128, layers=spec.layers or 1,
                              dropout=0.2, heads=_heads(dim), attention=spec.attention,
                              padding_idx=ids.pad_id)
    model = build_classifier(config)
    covered = copy_vectors(model.embed, ids, vectors) if vectors is not None else 0
    lr = spec.learn_rate or (5e-4 if spec.base == "transformer-scratch" else 1e-3)
    stages = [Stage("all", spec.epochs, [{"params": list(model.parameters()), "lr": lr}])]
    return Built(ids, config, model, stages, {"vectors_covered": covered})


def train_scratch_textcat(train: list[Example], dev: list[Example], labels: list[str],
                          spec: TrainSpec, output: Path,
                          record: Callable[[dict[str, Any]], None], vectors: Any = None,
                          ) -> tuple[Path, str | None, dict[str, Any]]:
    """model-best, why training stopped early (or None), and what the run should record.
    ``vectors``: the --vectors the runner loaded (None: random embeddings)."""
    import torch
    from sklearn.metrics import f1_score

    from myna.train.device import placement
    from myna.train.scratch_batches import batch_tensors, length_batches

    torch.manual_seed(spec.seed)
    rng = random.Random(spec.seed)
    place = placement(spec.device, spec.precision)
    if spec.base.startswith(ULMFIT):
        from myna.train.ulmfit import build_ulmfit

        built = build_ulmfit(spec, labels)
    else:
        built = build(spec, train, labels, vectors)
    ids, config, model = built.ids, built.config, built.model.to(place.device)
    rows = ids.encode([ex.text for ex in train], config.max_len)
    dev_rows = ids.encode([ex.text for ex in dev], config.max_len)
    gold = class_targets(train, labels, spec.exclusive)
    dev_gold = class_targets(dev, labels, spec.exclusive)
    loss_fn = (torch.nn.CrossEntropyLoss() if spec.exclusive else torch.nn.BCEWithLogitsLoss())
    batch_size = spec.batch_size or 32

    def dev_scores() -> tuple[float, float | None]:
        model.eval()
        guesses = []
        with torch.inference_mode():
            for start in range(0, len(dev_rows), 256):
                x, lengths = batch_tensors(dev_rows[start:start + 256], ids.pad_id)
                with place.autocast():
                    logits = model(x.to(place.device), lengths.to(place.device))
                guesses += (logits.argmax(-1).tolist() if spec.exclusive
                            else (logits > 0).int().tolist())
        model.train()
        if spec.exclusive:
            accuracy = sum(g == t for g, t in zip(guesses, dev_gold, strict=True)) / len(dev_gold)
            return float(f1_score(dev_gold, guesses, average="macro")), accuracy
        return float(f1_score(dev_gold, guesses, average="macro", zero_division=0)), None

    started = time.monotonic()
    best_state, best_score, stopped, step, since_best, epoch = None, -1.0, None, 0, 0, 0
    stage_scores: dict[str, float] = {}
    model.train()
    for stage in built.stages:
        trainable = {id(p) for group in stage.groups for p in group["params"]}
        for parameter in model.parameters():
            parameter.requires_grad_(id(parameter) in trainable)
        optimizer = torch.optim.AdamW(stage.groups)
        scaler = place.scaler()
        for _ in range(stage.epochs):
            losses = []
            for batch in length_batches([len(r) for r in rows], batch_size, rng):
                x, lengths = batch_tensors([rows[i] for i in batch], ids.pad_id)
                target = torch.tensor([gold[i] for i in batch]).to(place.device)
                with place.autocast():
                    logits = model(x.to(place.device), lengths.to(place.device))
                losses.append(place.update(loss_fn(logits.float(), target), optimizer, scaler,
                                           model.parameters(), clip=1.0))
                step += 1
                since_best += 1
                if (spec.max_minutes is not None
                        and time.monotonic() - started > spec.max_minutes * 60):
                    stopped = f"time limit of {spec.max_minutes} minutes"
                    break
            score, accuracy = dev_scores()
            stage_scores[stage.name] = score
            record({"epoch": epoch, "step": step, "score": score,
                    "losses": {"textcat": sum(losses) / max(len(losses), 1)},
                    "other_scores": {"cats_macro_f": score,
                                     **({} if accuracy is None else {"accuracy": accuracy})}})
            epoch += 1
            if score > best_score:
                best_score, best_state, since_best = score, copy.deepcopy(model.state_dict()), 0
            if stopped:
                break
            if since_best >= spec.patience:
                stopped = f"no better score in {spec.patience} steps"
                break
        if stopped:
            break
    for parameter in model.parameters():
        parameter.requires_grad_(True)
    last = save_scratch(model, ids, config, labels, spec.exclusive, output / "model-last")
    best = last
    if best_state is not None:
        model.load_state_dict(best_state)
        best = save_scratch(model, ids, config, labels, spec.exclusive, output / "model-best")
    info = {"arch": config.arch, "attention": spec.attention, "tokens": ids.kind,
            "device": place.device, "precision": place.precision,
            "token_vocabulary": ids.size, "parameters": sum(p.numel() for p in model.parameters()),
            **built.info}
    if len(built.stages) > 1:
        info["stage_scores"] = json.dumps({k: round(v, 4) for k, v in stage_scores.items()})
    return best, stopped, info


def save_scratch(model: Any, ids: Any, config: Any, labels: list[str],
                 exclusive: bool, path: Path) -> Path:
    import spacy

    from myna.train.scratch_component import FACTORY

    nlp = spacy.blank("en")
    name = "textcat" if exclusive else "textcat_multilabel"
    component = nlp.add_pipe(FACTORY, name=name, config={"exclusive": exclusive})
    component.set_model(model, ids, config, labels)  # type: ignore[attr-defined]
    nlp.to_disk(path)
    model.train()
    return path


def check_scratch_options(spec: TrainSpec) -> None:
    """What cannot work is refused before any data is read."""
    from myna.train.transformer import is_transformer_base, trainer_placement

    if (spec.device or spec.precision) and not (is_scratch_base(spec.base)
                                                or is_transformer_base(spec.base)):
        raise InputError("--device and --precision go with the from-scratch bases (" +
                         ", ".join(ARCHS) + ", ulmfit:LM) and transformer bases; spaCy's "
                         "own pipelines train on the CPU", where="--device/--precision")
    if is_scratch_base(spec.base):
        from myna.train.device import placement

        placement(spec.device, spec.precision)  # no GPU for --device cuda stops here
    elif spec.device or spec.precision:
        trainer_placement(spec.device, spec.precision)
    if spec.tokenizer and not is_scratch_base(spec.base):
        raise InputError("--tokenizer goes with the from-scratch bases (" + ", ".join(ARCHS)
                         + ")", where="--tokenizer")
    if spec.vectors == RANDOM and not is_scratch_base(spec.base):
        raise InputError("random embeddings go with the from-scratch bases (" + ", ".join(ARCHS)
                         + ")", where="--vectors random")
    if spec.attention not in ATTENTION:
        raise InputError(f"must be one of {', '.join(ATTENTION)} (got {spec.attention!r})",
                         where="--attention")
    if spec.tokenizer:
        token_ids(spec, [])  # a missing file, or one without [PAD], stops here
    if spec.base.startswith(ULMFIT):
        from myna.train.ulmfit import check_ulmfit

        check_ulmfit(spec)
    if spec.attention != "full" and spec.base != "transformer-scratch":
        raise InputError("--attention goes with --base transformer-scratch",
                         where="--attention")
