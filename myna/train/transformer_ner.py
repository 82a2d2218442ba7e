"""Entity recognition as token classification on a Hugging Face encoder, saved as a spaCy
pipeline whose `ner` component tags spaCy's own tokens (see `hf_words`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from myna.core.example import Example
from myna.data.docbin import example_to_doc
from myna.models.hf_words import (
    OUTSIDE,
    bio_tags,
    chunk_words,
    encode_chunks,
    first_subword_positions,
)
from myna.train.transformer import (
    Encoded,
    Fit,
    load_pretrained,
    resolve_transformer,
    run_trainer,
    save_pipeline,
)

IGNORED = -100  # the loss skips later sub-words of a word, special tokens and padding


def token_tags(examples: list[Example], where: str) -> tuple[list[list[str]], list[list[str]]]:
    """Each example's spaCy tokens (its own for CoNLL) and their BIO tags."""
    import spacy

    nlp = spacy.blank("en")
    words, tags = [], []
    for i, ex in enumerate(examples, start=1):
        doc = example_to_doc(ex, nlp, f"{where}: example {i}")
        words.append([t.text for t in doc])
        tags.append([f"{t.ent_iob_}-{t.ent_type_}" if t.ent_type_ else OUTSIDE for t in doc])
    return words, tags


def encode_tagged(tokenizer, words: list[list[str]], tags: list[list[str]],
                  tag_ids: dict[str, int], max_length: int) -> Encoded:
    chunks = chunk_words(tokenizer, words, max_length)
    enc = encode_chunks(tokenizer, chunks, max_length)
    targets = []
    for k, chunk in enumerate(chunks):
        row = [IGNORED] * len(enc["input_ids"][k])
        for word, pos in first_subword_positions(enc.word_ids(k)).items():
            row[pos] = tag_ids[tags[chunk.doc][chunk.offset + word]]
        targets.append(row)
    return Encoded(enc, targets)


def train_ner(train: list[Example], dev: list[Example], labels: list[str], *, base: str,
              output: Path, epochs: int, seed: int, max_minutes: float | None,
              patience: int = 1600, batch_size: int = 32, learning_rate: float = 1e-4,
              max_length: int = 128, device: str | None = None, precision: str | None = None,
              on_eval: Callable[[dict[str, Any]], None] | None = None,
              ) -> tuple[Path, Path, list[dict[str, Any]], str | None]:
    """Returns model-best, model-last (spaCy pipelines), the eval history and why training
    stopped early (or None)."""
    import numpy as np
    from seqeval.metrics import f1_score
    from transformers import (
        AutoModelForTokenClassification,
        AutoTokenizer,
        DataCollatorForTokenClassification,
    )

    from myna.train.hf_component import NER_FACTORY

    path = resolve_transformer(base)
    tokenizer = AutoTokenizer.from_pretrained(path)
    tag_names = bio_tags(labels)
    tag_ids = {tag: i for i, tag in enumerate(tag_names)}
    model = load_pretrained(AutoModelForTokenClassification, path, tag_names)
    max_length = min(max_length, getattr(model.config, "max_position_embeddings", max_length))

    def encode(examples: list[Example], where: str) -> Encoded:
        words, tags = token_tags(examples, where)
        return encode_tagged(tokenizer, words, tags, tag_ids, max_length)

    def metrics(pred) -> dict[str, float]:
        logits, gold = pred
        guess = np.argmax(logits, -1)
        keep = gold != IGNORED

        def named(rows) -> list[list[str]]:
            return [[tag_names[t] for t in row[mask]] for row, mask in zip(rows, keep,
                                                                             strict=True)]

        return {"ents_f": f1_score(named(gold), named(guess))}

    fit = Fit(model, tokenizer, encode(train, "train"), encode(dev, "dev"),
              DataCollatorForTokenClassification(tokenizer, label_pad_token_id=IGNORED),
              metrics, "ents_f",
              {"task": "ner", "model_path": path, "labels": labels, "tags": tag_names,
               "max_length": max_length})
    trainer, history, stopped, last_checkpoint = run_trainer(
        fit, base=base, output=output, epochs=epochs, seed=seed, max_minutes=max_minutes,
        patience=patience, batch_size=batch_size, learning_rate=learning_rate,
        device=device, precision=precision, on_eval=on_eval)
    config = {"max_length": max_length}
    best = save_pipeline(NER_FACTORY, "ner", config, trainer.model, tokenizer,
                         output / "model-best")
    last = (save_pipeline(NER_FACTORY, "ner", config,
                          AutoModelForTokenClassification.from_pretrained(last_checkpoint),
                          tokenizer, output / "model-last") if last_checkpoint else best)
    return best, last, history, stopped
