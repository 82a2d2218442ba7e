"""Fine-tune a Hugging Face encoder (the bundled MiniLM, or any local model directory) for
text classification with the `transformers` Trainer; save it as a spaCy pipeline."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from myna.data.example import Example
from myna.errors import InputError, ModelNotFoundError

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


class _Encoded:
    def __init__(self, enc: dict, targets: list):
        self.enc, self.targets = enc, targets

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, i: int) -> dict:
        item = {k: v[i] for k, v in self.enc.items()}
        item["labels"] = self.targets[i]
        return item


def _targets(examples: list[Example], labels: list[str], exclusive: bool) -> list:
    if exclusive:
        return [labels.index(max(ex.cats, key=ex.cats.get)) for ex in examples]
    return [[float(ex.cats.get(label, 0.0) >= 0.5) for label in labels] for ex in examples]


def train_textcat(train: list[Example], dev: list[Example], labels: list[str], *, base: str,
                  exclusive: bool, output: Path, epochs: int, seed: int,
                  max_minutes: float | None, patience_epochs: int = 2, batch_size: int = 16,
                  learning_rate: float = 1e-4, max_length: int = 128,
                  on_eval: Callable[[dict[str, Any]], None] | None = None,
                  ) -> tuple[Path, Path, list[dict[str, Any]], str | None]:
    """Returns model-best, model-last (both spaCy pipelines), the eval history and why
    training stopped early (or None)."""
    import numpy as np
    import spacy
    import torch
    from sklearn.metrics import f1_score
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        EarlyStoppingCallback,
        PrinterCallback,
        Trainer,
        TrainerCallback,
        TrainingArguments,
    )
    from transformers.utils import logging as hf_logging

    from myna.train.hf_component import FACTORY

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    path = resolve_transformer(base)
    tokenizer = AutoTokenizer.from_pretrained(path)
    try:
        model = AutoModelForSequenceClassification.from_pretrained(
            path, num_labels=len(labels), id2label=dict(enumerate(labels)),
            label2id={lab: i for i, lab in enumerate(labels)},
            problem_type=("single_label_classification" if exclusive
                          else "multi_label_classification"))
    except OSError as err:
        raise ModelNotFoundError(f"cannot load {path}: {err}") from None

    def encode(examples: list[Example]) -> _Encoded:
        enc = tokenizer([ex.text for ex in examples], truncation=True, max_length=max_length)
        return _Encoded(enc, _targets(examples, labels, exclusive))

    def metrics(pred) -> dict[str, float]:
        logits, gold = pred
        if exclusive:
            guess = np.argmax(logits, -1)
            return {"macro_f1": f1_score(gold, guess, average="macro"),
                    "accuracy": float((guess == gold).mean())}
        guess = (logits > 0).astype(int)
        return {"macro_f1": f1_score(gold.astype(int), guess, average="macro",
                                     zero_division=0)}

    history: list[dict[str, Any]] = []
    started = time.monotonic()
    stopped: dict[str, str | None] = {"why": None}

    class Report(TrainerCallback):
        def on_evaluate(self, args, state, control, metrics=None, **kw):
            losses = [h["loss"] for h in state.log_history if "loss" in h]
            entry = {"epoch": int(round(state.epoch or 0)) - 1, "step": state.global_step,
                     "score": float(metrics.get("eval_macro_f1", 0.0)),
                     "losses": {"transformer": float(losses[-1]) if losses else 0.0},
                     "seconds": time.monotonic() - started,
                     "other_scores": {k: float(v) for k, v in metrics.items()
                                      if isinstance(v, int | float)}}
            history.append(entry)
            if on_eval is not None:
                on_eval(entry)

        def on_step_end(self, args, state, control, **kw):
            if max_minutes is not None and time.monotonic() - started > max_minutes * 60:
                stopped["why"] = f"time limit of {max_minutes} minutes"
                control.should_training_stop = True
                control.should_evaluate = control.should_save = True

    args = TrainingArguments(
        output_dir=str(output / "checkpoints"), num_train_epochs=epochs,
        per_device_train_batch_size=batch_size, per_device_eval_batch_size=64,
        learning_rate=learning_rate, weight_decay=0.01,
        warmup_steps=max(1, epochs * -(-len(train) // batch_size) // 10),
        eval_strategy="epoch", save_strategy="epoch", save_total_limit=2,
        load_best_model_at_end=True, metric_for_best_model="macro_f1",
        greater_is_better=True, logging_steps=10,
        report_to="none", seed=seed, disable_tqdm=True, dataloader_num_workers=0,
        dataloader_pin_memory=torch.cuda.is_available())
    (output / "train_config.json").write_text(json.dumps(
        {"task": "textcat", "base": base, "model_path": path, "labels": labels,
         "exclusive": exclusive, "max_length": max_length,
         "training_args": json.loads(args.to_json_string())}, indent=2))
    trainer = Trainer(model=model, args=args, train_dataset=encode(train),
                      eval_dataset=encode(dev), data_collator=DataCollatorWithPadding(tokenizer),
                      compute_metrics=metrics,
                      callbacks=[Report(), EarlyStoppingCallback(patience_epochs)])
    trainer.remove_callback(PrinterCallback)  # progress goes through `on_eval` instead
    trainer.train()

    def save(hf_model, name: str) -> Path:
        nlp = spacy.blank("en")
        # Named like spaCy's own classifiers so evaluation treats it the same way.
        pipe = nlp.add_pipe(FACTORY, name="textcat" if exclusive else "textcat_multilabel",
                            config={"exclusive": exclusive, "max_length": max_length})
        pipe.set_model(hf_model, tokenizer)
        nlp.to_disk(output / name)
        return output / name

    if not history:
        raise InputError("training stopped before the first evaluation; raise --max-minutes")
    best = save(trainer.model, "model-best")  # the Trainer reloads the best checkpoint
    checkpoints = sorted((output / "checkpoints").glob("checkpoint-*"),
                         key=lambda p: int(p.name.split("-")[1]))
    last = save(AutoModelForSequenceClassification.from_pretrained(checkpoints[-1]),
                "model-last") if checkpoints else best
    return best, last, history, stopped["why"]
