"""Text classification on a Hugging Face encoder, saved as a spaCy pipeline."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from myna.core.example import Example
from myna.train.data import class_targets
from myna.train.transformer import (
    Encoded,
    Fit,
    load_pretrained,
    resolve_transformer,
    run_trainer,
    save_pipeline,
)


def train_textcat(train: list[Example], dev: list[Example], labels: list[str], *, base: str,
                  exclusive: bool, output: Path, epochs: int, seed: int,
                  max_minutes: float | None, patience: int = 1600, batch_size: int = 16,
                  learning_rate: float = 1e-4, max_length: int = 128,
                  device: str | None = None, precision: str | None = None,
                  on_eval: Callable[[dict[str, Any]], None] | None = None,
                  average_last: int = 0,
                  ) -> tuple[Path, Path, list[dict[str, Any]], str | None]:
    """Returns model-best, model-last (both spaCy pipelines), the eval history and why
    training stopped early (or None)."""
    import numpy as np
    from sklearn.metrics import f1_score
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
    )

    from myna.train.hf_component import FACTORY

    path = resolve_transformer(base)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = load_pretrained(AutoModelForSequenceClassification, path, labels,
                            problem_type=("single_label_classification" if exclusive
                                          else "multi_label_classification"))
    max_length = min(max_length, getattr(model.config, "max_position_embeddings", max_length))

    def encode(examples: list[Example]) -> Encoded:
        enc = tokenizer([ex.text for ex in examples], truncation=True, max_length=max_length)
        return Encoded(enc, class_targets(examples, labels, exclusive))

    def metrics(pred) -> dict[str, float]:
        logits, gold = pred
        if exclusive:
            guess = np.argmax(logits, -1)
            return {"macro_f1": f1_score(gold, guess, average="macro"),
                    "accuracy": float((guess == gold).mean())}
        guess = (logits > 0).astype(int)
        return {"macro_f1": f1_score(gold.astype(int), guess, average="macro",
                                     zero_division=0)}

    fit = Fit(model, tokenizer, encode(train), encode(dev), DataCollatorWithPadding(tokenizer),
              metrics, "macro_f1",
              {"task": "textcat", "model_path": path, "labels": labels,
               "exclusive": exclusive, "max_length": max_length})
    trainer, history, stopped, last_checkpoint = run_trainer(
        fit, base=base, output=output, epochs=epochs, seed=seed, max_minutes=max_minutes,
        patience=patience, batch_size=batch_size, learning_rate=learning_rate,
        device=device, precision=precision, on_eval=on_eval, average_last=average_last)
    # Named like spaCy's own classifiers so evaluation treats it the same way.
    name = "textcat" if exclusive else "textcat_multilabel"
    config = {"exclusive": exclusive, "max_length": max_length}
    best = save_pipeline(FACTORY, name, config, trainer.model, tokenizer, output / "model-best")
    last = (save_pipeline(FACTORY, name, config,
                          AutoModelForSequenceClassification.from_pretrained(last_checkpoint),
                          tokenizer, output / "model-last") if last_checkpoint else best)
    return best, last, history, stopped
