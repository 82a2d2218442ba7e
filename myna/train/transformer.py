"""Fine-tune a Hugging Face encoder (the bundled MiniLM, or any local model directory) with the
`transformers` Trainer: the part shared by text classification and NER."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from myna.core.errors import InputError, ModelNotFoundError

TRANSFORMER = "transformer"


def is_transformer_base(base: str) -> bool:
    return base == TRANSFORMER or base.startswith(TRANSFORMER + ":")


def resolve_transformer(base: str) -> str:
    """``transformer`` → the bundled MiniLM; ``transformer:PATH`` → that local directory."""
    if base == TRANSFORMER:
        from myna.text.encoders import default_encoder_path

        return default_encoder_path()
    path = Path(base.split(":", 1)[1]).expanduser()
    if not (path / "config.json").is_file():
        raise ModelNotFoundError(f"{path} is not a Hugging Face model directory (no config.json)")
    return str(path)


def trainer_placement(device: str | None, precision: str | None):
    """``--device``/``--precision`` for fine-tuning: as for the from-scratch models, except
    that the Trainer takes the first visible GPU (choose another with CUDA_VISIBLE_DEVICES)."""
    from myna.train.device import placement

    place = placement(device, precision)
    if place.device not in ("cpu", "cuda", "cuda:0"):
        raise InputError(f"fine-tuning runs on the first visible GPU, not {place.device}",
                         where="--device", hint=f"CUDA_VISIBLE_DEVICES={place.device[5:]} "
                                                "with --device cuda")
    return place


def load_pretrained(auto_class, path: str, labels: list[str], **kwargs):
    try:
        return auto_class.from_pretrained(
            path, num_labels=len(labels), id2label=dict(enumerate(labels)),
            label2id={lab: i for i, lab in enumerate(labels)}, **kwargs)
    except OSError as err:
        raise ModelNotFoundError(f"cannot load {path}: {err}") from None


class Encoded:
    """Tokenizer output plus targets, as the Trainer's map-style dataset."""

    def __init__(self, enc: dict, targets: list):
        self.enc, self.targets = enc, targets

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, i: int) -> dict:
        item = {k: v[i] for k, v in self.enc.items()}
        item["labels"] = self.targets[i]
        return item


@dataclass
class Fit:
    """What a task module hands to `run_trainer`."""

    model: Any
    tokenizer: Any
    train: Encoded
    dev: Encoded
    collator: Any
    metrics: Callable[[Any], dict[str, float]]
    metric: str  # the dev metric that picks model-best
    settings: dict[str, Any]  # task-specific lines of train_config.json


def run_trainer(fit: Fit, *, base: str, output: Path, epochs: int, seed: int,
                max_minutes: float | None, patience: int, batch_size: int,
                learning_rate: float, device: str | None = None,
                precision: str | None = None,
                on_eval: Callable[[dict[str, Any]], None] | None = None,
                average_last: int = 0):
    """Train with early stopping on ``fit.metric``; the returned Trainer holds the best model.
    Also returns the eval history, why training stopped early (or None) and the last
    checkpoint's directory. ``average_last`` ≥ 2: the average of the weights at the last that
    many evaluations competes with the best single one on the same held-out split (see
    `WeightSnapshots`)."""
    from transformers import (
        PrinterCallback,
        Trainer,
        TrainerCallback,
        TrainingArguments,
    )
    from transformers.utils import logging as hf_logging

    from myna.train.memory import check_batch_fits

    place = trainer_placement(device, precision)
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    longest = max((len(fit.train[i]["input_ids"]) for i in range(len(fit.train))), default=1)
    check_batch_fits(fit.model, batch_size, longest)
    history: list[dict[str, Any]] = []
    started = time.monotonic()
    stopped: dict[str, str | None] = {"why": None}
    snapshots = WeightSnapshots(average_last)

    class Report(TrainerCallback):
        """Reports each evaluation (once an epoch), and stops once ``patience`` steps have
        passed without a better dev score, as spaCy's ``training.patience`` does. Epochs that
        score 0 (a fresh head still predicting one class) do not count against it."""

        best, best_step = 0.0, 0

        def on_evaluate(self, args, state, control, metrics=None, model=None, **kw):
            if snapshots.scoring:
                return
            snapshots.take(model)
            losses = [h["loss"] for h in state.log_history if "loss" in h]
            entry = {"epoch": int(round(state.epoch or 0)) - 1, "step": state.global_step,
                     "score": float(metrics.get(f"eval_{fit.metric}", 0.0)),
                     "losses": {"transformer": float(losses[-1]) if losses else 0.0},
                     "seconds": time.monotonic() - started,
                     "other_scores": {k: float(v) for k, v in metrics.items()
                                      if isinstance(v, int | float)}}
            history.append(entry)
            if on_eval is not None:
                on_eval(entry)
            if entry["score"] > self.best:
                self.best, self.best_step = entry["score"], state.global_step
            elif self.best > 0 and patience and state.global_step - self.best_step >= patience:
                stopped["why"] = f"no better dev score in {patience} steps"
                control.should_training_stop = True

        def on_step_end(self, args, state, control, **kw):
            if max_minutes is not None and time.monotonic() - started > max_minutes * 60:
                stopped["why"] = f"time limit of {max_minutes} minutes"
                # No evaluation or save asked for here: the cut-short epoch still ends, and
                # its end scores and saves these weights (eval/save_strategy="epoch").
                control.should_training_stop = True

    args = TrainingArguments(
        output_dir=str(output / "checkpoints"), num_train_epochs=epochs,
        per_device_train_batch_size=batch_size, per_device_eval_batch_size=64,
        learning_rate=learning_rate, weight_decay=0.01,
        warmup_steps=max(1, epochs * -(-len(fit.train) // batch_size) // 10),
        eval_strategy="epoch", save_strategy="epoch", save_total_limit=2,
        load_best_model_at_end=True, metric_for_best_model=fit.metric,
        greater_is_better=True, logging_steps=10,
        report_to="none", seed=seed, disable_tqdm=True, dataloader_num_workers=0,
        remove_unused_columns=False,  # collators may read fields that are not model inputs
        # Batches of similar lengths: far less padding, which is most of the cost on a CPU.
        train_sampling_strategy="group_by_length",
        use_cpu=place.device == "cpu", bf16=place.precision == "bf16",
        fp16=place.precision == "fp16", dataloader_pin_memory=place.device != "cpu")
    (output / "train_config.json").write_text(json.dumps(
        {"base": base, **fit.settings, "device": place.device, "precision": place.precision,
         "training_args": json.loads(args.to_json_string())}, indent=2))
    trainer = Trainer(model=fit.model, args=args, train_dataset=fit.train,
                      eval_dataset=fit.dev, data_collator=fit.collator,
                      compute_metrics=fit.metrics,
                      callbacks=[Report()])
    trainer.remove_callback(PrinterCallback)  # progress goes through `on_eval` instead
    trainer.train()
    if not history:
        raise InputError("training stopped before the first evaluation; raise --max-minutes")
    selected = snapshots.select(trainer, fit.metric, max(h["score"] for h in history))
    if selected is not None and selected["chosen"]:
        history.append({**history[-1], "score": selected["score"], "averaged": average_last,
                        "seconds": time.monotonic() - started})
        if on_eval is not None:
            on_eval(history[-1])
    settings = json.loads((output / "train_config.json").read_text())
    settings["selected"] = (selected or {}).get("why", "the best evaluation's checkpoint")
    (output / "train_config.json").write_text(json.dumps(settings, indent=2))
    checkpoints = sorted((output / "checkpoints").glob("checkpoint-*"),
                         key=lambda p: int(p.name.split("-")[1]))
    return trainer, history, stopped["why"], (checkpoints[-1] if checkpoints else None)


class WeightSnapshots:
    """The model's weights at the last ``keep`` evaluations (on the CPU), and their average.

    Averaging the weights of the last checkpoints of one run (as in stochastic weight
    averaging) smooths out the noise of any single one; the average is scored on the same
    held-out slice of the training data as the checkpoints and kept only if it scores at
    least as well as the best of them."""

    def __init__(self, keep: int):
        from collections import deque

        self.keep = keep
        self.states: deque[dict[str, Any]] = deque(maxlen=max(keep, 1))
        self.scoring = False  # set while the average itself is evaluated

    def take(self, model: Any) -> None:
        if self.keep >= 2 and model is not None:
            self.states.append({k: v.detach().to("cpu", copy=True)
                                for k, v in model.state_dict().items()
                                if v.is_floating_point()})

    def average(self) -> dict[str, Any]:
        import torch

        return {k: torch.stack([s[k].float() for s in self.states]).mean(0).to(v.dtype)
                for k, v in self.states[0].items()}

    def select(self, trainer: Any, metric: str, best_score: float) -> dict[str, Any] | None:
        """Load the average into ``trainer.model`` if it scores at least ``best_score``;
        what was chosen and why, or None when there is nothing to average."""
        if self.keep < 2 or len(self.states) < 2:
            return None
        model = trainer.model
        best = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
        model.load_state_dict(self.average(), strict=False)
        self.scoring = True
        try:
            score = float(trainer.evaluate().get(f"eval_{metric}", 0.0))
        finally:
            self.scoring = False
        n = len(self.states)
        if score >= best_score:
            return {"score": score, "chosen": True,
                    "why": f"the average of the last {n} evaluations' weights "
                            f"({metric} {score:.4f} vs {best_score:.4f})"}
        model.load_state_dict(best)
        return {"score": score, "chosen": False,
                "why": f"the best evaluation's checkpoint (the average of the "
                f"last {n} scored {score:.4f} vs {best_score:.4f})"}


def save_pipeline(factory: str, name: str, config: dict[str, Any], hf_model, tokenizer,
                  path: Path) -> Path:
    """A blank English spaCy pipeline whose one component runs the Hugging Face model."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe(factory, name=name, config=config).set_model(hf_model, tokenizer)  # type: ignore[attr-defined]
    nlp.to_disk(path)
    return path
