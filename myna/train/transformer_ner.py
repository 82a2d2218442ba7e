"""Entity recognition as token classification on a Hugging Face encoder, saved as a spaCy
pipeline whose `ner` component tags spaCy's own tokens (see `hf_words`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from myna.core.example import Example
from myna.data.docbin import example_to_doc
from myna.models.bio_decode import check_decoder
from myna.models.bio_decode import decode as bio_decode
from myna.models.hf_words import (
    OUTSIDE,
    bio_tags,
    chunk_words,
    encode_chunks,
    first_subword_positions,
)
from myna.models.spacy_features import FeatureTable, word_features
from myna.models.word_shapes import ShapeVocab
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
                  tag_ids: dict[str, int], max_length: int, shapes: Any = None,
                  table: FeatureTable | None = None) -> Encoded:
    """``shapes``: add each sub-word's shape id; ``table``: add each sub-word's row of spaCy
    features in that table (0: none)."""
    chunks = chunk_words(tokenizer, words, max_length)
    enc = encode_chunks(tokenizer, chunks, max_length)
    if shapes is not None:
        enc["shape_ids"] = [shapes.subword_ids(c.words, enc.word_ids(k))
                            for k, c in enumerate(chunks)]
    if table is not None:
        starts = table.add(words)
        enc["feature_rows"] = [[0 if w is None else starts[c.doc] + c.offset + w
                                for w in enc.word_ids(k)] for k, c in enumerate(chunks)]
    targets = []
    for k, chunk in enumerate(chunks):
        row = [IGNORED] * len(enc["input_ids"][k])
        for word, pos in first_subword_positions(enc.word_ids(k)).items():
            row[pos] = tag_ids[tags[chunk.doc][chunk.offset + word]]
        targets.append(row)
    return Encoded(enc, targets)


class WordFeatureCollator:
    """Pads a batch as the token-classification collator does, ``shape_ids`` with the padding
    shape, and turns ``feature_rows`` into ``word_features`` (zeros where padded)."""

    def __init__(self, tokenizer, table: FeatureTable | None = None):
        from transformers import DataCollatorForTokenClassification

        self.tokens = DataCollatorForTokenClassification(tokenizer, label_pad_token_id=IGNORED)
        self.matrix = table.matrix() if table is not None else None

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        from myna.models.word_shapes import PAD

        shapes = [f.pop("shape_ids") for f in features if "shape_ids" in f]
        rows = [f.pop("feature_rows") for f in features if "feature_rows" in f]
        batch = self.tokens(features)
        width = batch["input_ids"].shape[1]
        if shapes:
            batch["shape_ids"] = torch.tensor([r + [PAD] * (width - len(r)) for r in shapes])
        if rows and self.matrix is not None:
            batch["word_features"] = self.matrix[
                torch.tensor([r + [0] * (width - len(r)) for r in rows])]
        return batch


def train_ner(train: list[Example], dev: list[Example], labels: list[str], *, base: str,
              output: Path, epochs: int, seed: int, max_minutes: float | None,
              patience: int = 1600, batch_size: int = 32, learning_rate: float = 1e-4,
              max_length: int = 128, device: str | None = None, precision: str | None = None,
              on_eval: Callable[[dict[str, Any]], None] | None = None,
              word_shapes: int = 0, decode: str = "greedy", average_last: int = 0,
              spacy_features: str = "", spacy_annotations: str = "",
              ) -> tuple[Path, Path, list[dict[str, Any]], str | None]:
    """Returns model-best, model-last (spaCy pipelines), the eval history and why training
    stopped early (or None). ``word_shapes``: the size of a word-shape embedding beside the
    encoder (0: none); ``spacy_features``: a spaCy pipeline whose entity recogniser's CNN
    features are read beside the encoder (empty: none), with its ``spacy_annotations``
    (``"ents,tags"``) one-hot; ``decode``: how the saved component
    reads tags (greedy, viterbi); ``average_last``: also try the average of the last
    evaluations' weights."""
    from seqeval.metrics import f1_score
    from transformers import (
        AutoModelForTokenClassification,
        AutoTokenizer,
        DataCollatorForTokenClassification,
    )

    from myna.train.hf_component import NER_FACTORY

    check_decoder(decode)
    path = resolve_transformer(base)
    tokenizer = AutoTokenizer.from_pretrained(path)
    tag_names = bio_tags(labels)
    tag_ids = {tag: i for i, tag in enumerate(tag_names)}
    train_words, train_tags = token_tags(train, "train")
    shapes = ShapeVocab.build(train_words, word_shapes) if word_shapes else None
    features = word_features(spacy_features, spacy_annotations)
    table = FeatureTable(features) if features is not None else None
    from myna.models.word_feature_tagger import WordFeatureTagger

    if shapes is not None or features is not None:
        model = WordFeatureTagger.fresh(path, tag_names, shapes, features)
    else:
        model = load_pretrained(AutoModelForTokenClassification, path, tag_names)
    max_length = min(max_length, getattr(model.config, "max_position_embeddings", max_length))

    def encode(words: list[list[str]], tags: list[list[str]]) -> Encoded:
        return encode_tagged(tokenizer, words, tags, tag_ids, max_length, shapes, table)

    def reload(checkpoint: Path) -> Any:
        if shapes is None and features is None:
            return AutoModelForTokenClassification.from_pretrained(checkpoint)
        return WordFeatureTagger.fresh(path, tag_names, shapes,
                                       features).load_trainer_checkpoint(checkpoint)

    def metrics(pred) -> dict[str, float]:
        """Entity F1 on the first sub-words, the tags read as the saved model will."""
        logits, gold = pred
        keep = gold != IGNORED
        guess = [[tag_names[t] for t in bio_decode(row[mask], tag_names, decode)]
                 for row, mask in zip(logits, keep, strict=True)]
        truth = [[tag_names[t] for t in row[mask]] for row, mask in zip(gold, keep, strict=True)]
        return {"ents_f": f1_score(truth, guess)}

    train_set, dev_set = encode(train_words, train_tags), encode(*token_tags(dev, "dev"))
    collator = (WordFeatureCollator(tokenizer, table)
                if shapes is not None or features is not None else
                DataCollatorForTokenClassification(tokenizer, label_pad_token_id=IGNORED))
    fit = Fit(model, tokenizer, train_set, dev_set, collator, metrics, "ents_f",
              {"task": "ner", "model_path": path, "labels": labels, "tags": tag_names,
               "max_length": max_length, "word_shapes": word_shapes, "decode": decode,
               "spacy_features": spacy_features, "spacy_annotations": spacy_annotations,
               "shapes_seen": len(shapes.shapes) if shapes else 0})
    trainer, history, stopped, last_checkpoint = run_trainer(
        fit, base=base, output=output, epochs=epochs, seed=seed, max_minutes=max_minutes,
        patience=patience, batch_size=batch_size, learning_rate=learning_rate,
        device=device, precision=precision, on_eval=on_eval, average_last=average_last)
    config = {"max_length": max_length, "decode": decode}
    best = save_pipeline(NER_FACTORY, "ner", config, trainer.model, tokenizer,
                         output / "model-best")
    last = (save_pipeline(NER_FACTORY, "ner", config, reload(last_checkpoint),
                          tokenizer, output / "model-last") if last_checkpoint else best)
    return best, last, history, stopped

