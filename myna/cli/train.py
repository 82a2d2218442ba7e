"""`myna train ner|textcat`: train with spaCy, track the run in MLflow."""

from __future__ import annotations

from pathlib import Path

import typer

from myna.train.spec import BLANK, TrainSpec

app = typer.Typer(help="Train NER and text-classification models.", no_args_is_help=True)

SOURCE = typer.Argument(None, help="Training data: JSONL, Prodigy JSONL, CoNLL, CSV, DocBin "
                                   "(or --from-dataset).")
FROM_DATASET = typer.Option(None, "--from-dataset",
                            help="Train on an annotation dataset (`myna annotate`): its "
                                 "accepted answers, one per text.")
DB = typer.Option(None, "--db", help="Annotation database URL (default: the settings').")
OUTPUT = typer.Option(..., "--output", "-o", help="Folder for config, model-best, model-last.")
DEV = typer.Option(None, "--dev", help="Dev data; default: a stratified 20% of the source.")
BASE = typer.Option(BLANK, "--base",
                    help="blank, a spaCy pipeline name/path to update, transformer (the bundled "
                         "MiniLM), transformer:DIR (a local Hugging Face model), or for "
                         "textcat a model from scratch: rnn, birnn, lstm, gru, "
                         "transformer-scratch.")
EPOCHS = typer.Option(20, "--epochs", help="Maximum epochs.")
MINUTES = typer.Option(None, "--max-minutes", help="Stop after this much training time.")
SEED = typer.Option(0, "--seed")
PATIENCE = typer.Option(1600, "--patience",
                        help="Stop after this many steps without a better dev score "
                             "(0: never; transformers check once an epoch).")
TEXT_COL = typer.Option("text", "--text-column", "-c")
LEARN_RATE = typer.Option(None, "--learn-rate",
                          help="Optimizer step size (default: spaCy's config; 2e-4 when "
                               "updating a pipeline; 1e-4 for transformers).")
VECTORS = typer.Option(None, "--vectors",
                       help="Word vectors from `myna vectors train` (or a word2vec/GloVe text "
                            "file) for a --base blank pipeline's CNN to read, or a "
                            "from-scratch model's first embeddings (random: none).")
DEVICE = typer.Option(None, "--device", help="From-scratch and transformer bases: auto, cpu, "
                      "cuda or cuda:N (default: MYNA_DEVICE, else auto: a GPU if there is one).")
PRECISION = typer.Option(None, "--precision", help="From-scratch and transformer bases: auto, "
                         "fp32, fp16 or bf16 (mixed precision: GPU only; auto: bf16 or fp16 "
                         "on a GPU, fp32 on the CPU).")
PROFILE = typer.Option(True, "--profile/--no-profile",
                       help="Write the reference profile `myna monitor check` compares new "
                            "data with (held-out predictions, lengths, words, MiniLM "
                            "embeddings of up to 1,000 texts), inside the model.")
DEV_FRACTION = typer.Option(0.2, "--dev-fraction", min=0.01, max=0.9,
                            help="Without --dev: the stratified share of the training data "
                                 "held out to pick model-best and stop early.")
AVERAGE_LAST = typer.Option(0, "--average-last", min=0,
                            help="Transformer bases: also score the average of the weights at "
                                 "the last K evaluations (one an epoch) on the held-out split, "
                                 "and keep it if it does at least as well as the best single "
                                 "one (0: off).")
KEEP = typer.Option("best", "--keep",
                    help="The model the run scores on --dev and logs to MLflow: best "
                         "(model-best, the evaluation the held-out split scored highest) or "
                         "last (model-last, the final weights of the schedule; both are "
                         "saved either way).")
BATCH = typer.Option(None, "--batch-size",
                     help="Examples per step for transformers (default 16 textcat, 32 NER); "
                          "words per batch for spaCy (default: compounding 100-1000). "
                          "Lower it if training runs out of memory.")


def _train(spec: TrainSpec) -> None:
    if (spec.source is None) == (spec.dataset is None):
        raise typer.BadParameter("give a SOURCE file or --from-dataset NAME (one of them)",
                                 param_hint="SOURCE")
    from myna.train.progress import train_with_progress

    train_with_progress(spec)


@app.command("ner")
def ner_command(
    source: Path | None = SOURCE, output: Path = OUTPUT,
    from_dataset: str | None = FROM_DATASET, db: str | None = DB,
    dev: Path | None = DEV, base: str = BASE,
    epochs: int = EPOCHS, max_minutes: float | None = MINUTES, seed: int = SEED,
    patience: int = PATIENCE, text_column: str = TEXT_COL,
    learn_rate: float | None = LEARN_RATE, batch_size: int | None = BATCH,
    vectors: str | None = VECTORS,
    fix_spans: str | None = typer.Option(None, "--fix-spans",
                                         help="expand, contract or drop misaligned spans."),
    rehearse: bool = typer.Option(True, help="Keep the base model's labels by training on its "
                                             "own predictions too."),
    rehearse_with: Path | None = typer.Option(
        None, "--rehearse-with", help="Raw texts the base model annotates as extra training "
                                      "data, so a small new-label set does not drown the old; "
                                      "with --new-component, texts without the new labels "
                                      "(negatives for the new component)."),
    device: str | None = DEVICE, precision: str | None = PRECISION, profile: bool = PROFILE,
    dev_fraction: float = DEV_FRACTION, average_last: int = AVERAGE_LAST, keep: str = KEEP,
    word_shapes: int = typer.Option(
        0, "--word-shapes", min=0, help="Transformer bases: learn an embedding of this size for "
                                        "each word's shape (Xxxx, XX, dd, ...) beside the "
                                        "encoder, the casing an uncased encoder cannot see "
                                        "(0: off; 32 is a good size)."),
    new_component: str | None = typer.Option(
        None, "--new-component", help="Updating a spaCy pipeline: train the new labels as a "
                                      "`ner` component of this name placed before the base "
                                      "`ner`, which stays frozen and keeps its predictions "
                                      "outside the new entities (e.g. ner_ticker)."),
    spacy_features: str | None = typer.Option(
        None, "--spacy-features", help="Transformer bases: also read the CNN features a spaCy "
                                        "pipeline's entity recognizer computes for each word "
                                        "(e.g. en_core_web_sm: cased, 64 per word); a copy of "
                                        "that recognizer is saved with the model."),
    spacy_annotations: str = typer.Option(
        "", "--spacy-annotations", help="With --spacy-features: also read that pipeline's "
                                        "predictions for each word, one-hot: ents (its entity "
                                        "tag, e.g. B-GPE), tags (its part-of-speech tag, e.g. "
                                        "NNP), or ents,tags."),
    decode: str = typer.Option(
        "greedy", "--decode", help="Transformer bases: read BIO tags greedily (each word "
                                   "alone) or by viterbi (the best valid sequence: no I-X "
                                   "after O). Saved with the model."),
    join_sentences: int = typer.Option(
        1, "--join-sentences", min=0, help="Read a CoNLL file's consecutive sentences N at a "
                                           "time as one text (never across a -DOCSTART- "
                                           "line; 0: whole documents), as `spacy convert -n` "
                                           "does: a transformer then reads each word with its "
                                           "neighbours' context. Score with `myna evaluate "
                                           "--join-sentences N` to match."),
) -> None:
    """Train or update an entity recognizer (new labels such as TICKER included)."""
    _train(TrainSpec(task="ner", source=source, output=output, dev_source=dev, base=base,
                   epochs=epochs, max_minutes=max_minutes, seed=seed, patience=patience,
                   text_column=text_column, fix_spans=fix_spans, rehearse=rehearse,
                   rehearse_with=rehearse_with, learn_rate=learn_rate,
                   batch_size=batch_size, dataset=from_dataset, db=db, vectors=vectors,
                   device=device, precision=precision, profile=profile,
                   dev_fraction=dev_fraction, average_last=average_last, keep=keep,
                   word_shapes=word_shapes, spacy_features=spacy_features,
                   spacy_annotations=spacy_annotations, decode=decode,
                   new_component=new_component, join_sentences=join_sentences))


@app.command("textcat")
def textcat_command(
    source: Path | None = SOURCE, output: Path = OUTPUT,
    from_dataset: str | None = FROM_DATASET, db: str | None = DB,
    dev: Path | None = DEV, base: str = BASE,
    epochs: int = EPOCHS, max_minutes: float | None = MINUTES, seed: int = SEED,
    patience: int = PATIENCE, text_column: str = TEXT_COL,
    learn_rate: float | None = LEARN_RATE, batch_size: int | None = BATCH,
    vectors: str | None = VECTORS,
    tokenizer: str | None = typer.Option(None, "--tokenizer", help="From-scratch bases: a "
                                         "tokenizer from `myna tokenizer train` (default: the "
                                         "training texts' words)."),
    hidden: int | None = typer.Option(None, "--hidden", min=2, help="From-scratch bases: "
                                      "hidden size (default 128)."),
    layers: int | None = typer.Option(None, "--layers", min=1, help="From-scratch bases: "
                                      "layers (default 1)."),
    attention: str = typer.Option("full", "--attention", help="transformer-scratch: full, "
                                  "adaptive-span, persistent-memory or product-key."),
    device: str | None = DEVICE, precision: str | None = PRECISION, profile: bool = PROFILE,
    label_column: str | None = typer.Option(None, "--label-column", "-l",
                                            help="Category column of a table."),
    exclusive: bool = typer.Option(True, "--exclusive/--multilabel",
                                   help="One category per text (softmax) or several."),
    dev_fraction: float = DEV_FRACTION, average_last: int = AVERAGE_LAST, keep: str = KEEP,
    repair_escapes: bool = typer.Option(
        False, "--repair-escapes", help="Mend web-scrape escapes in the texts as they are "
                                        "read (`\\` line breaks, ` #39;`, ` quot;`, "
                                        "`&lt;p&gt;`: AG News has them all); score with "
                                        "`myna evaluate --repair-escapes` to match."),
    cnn: bool = typer.Option(False, "--cnn", help="--base blank: a CNN over the words beside "
                             "the bag of words (spaCy's TextCatEnsemble at its efficiency "
                             "size), instead of the bag of words alone."),
    ngrams: int = typer.Option(0, "--ngrams", min=0, help="--base blank: the bag of words "
                               "counts word sequences up to this length (2: words and word "
                               "pairs; 0: spaCy's default, single words)."),
    teacher: str | None = typer.Option(
        None, "--teacher", help="Distillation, --base blank: train on this model's "
                                "probabilities (any model reference, e.g. a fine-tuned "
                                "transformer) instead of the labels; model-best is still "
                                "picked on the held-out labels. Saved as spaCy's own textcat. "
                                "--base transformer: learn its top category (self-training)."),
    unlabelled: Path | None = typer.Option(
        None, "--unlabelled", help="With --teacher: more texts (same --text-column) for the "
                                   "teacher to label and the student to learn from."),
    augment: int = typer.Option(
        0, "--augment", min=0, help="With --teacher: N perturbed copies of each text (words "
                                    "dropped, or a short run of its words kept), labelled by "
                                    "the teacher too: more of its judgement to learn from."),
    temperature: float = typer.Option(
        1.0, "--temperature", help="With --teacher: >1 softens the teacher's probabilities "
                                   "(softmax(logits / T)) before the student learns them."),
) -> None:
    """Train a text classifier (exclusive or multi-label)."""
    _train(TrainSpec(task="textcat", source=source, output=output, dev_source=dev, base=base,
                   epochs=epochs, max_minutes=max_minutes, seed=seed, patience=patience,
                   text_column=text_column, label_column=label_column, exclusive=exclusive,
                   learn_rate=learn_rate, batch_size=batch_size, dataset=from_dataset,
                   db=db, vectors=vectors, tokenizer=tokenizer, hidden=hidden, layers=layers,
                   attention=attention, device=device, precision=precision,
                   profile=profile, dev_fraction=dev_fraction, average_last=average_last, keep=keep,
                   repair_escapes=repair_escapes, cnn=cnn, ngrams=ngrams, teacher=teacher,
                   unlabelled=unlabelled, augment=augment, temperature=temperature))
