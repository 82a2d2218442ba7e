"""Run one training job end to end: check data, write config, train, score, record in MLflow."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from myna.core.errors import InputError
from myna.core.example import Example
from myna.core.tracking import flat_metrics, setup_mlflow
from myna.data.splits import train_dev_split
from myna.train import configs, data
from myna.train import logger as train_logger
from myna.train.profiling import write_profile
from myna.train.scratch_textcat import RANDOM, check_scratch_options, is_scratch_base
from myna.train.spec import TrainSpec
from myna.train.task_training import training_for
from myna.train.transformer import is_transformer_base


class TimeLimitReached(Exception):
    """Raised from the logger to stop spaCy's loop; spaCy saves model-last on the way out."""


KEEP = ("best", "last")  # model-best or model-last


@dataclass
class TrainResult:
    output: Path
    model: Path  # the model the run scored and logged: model-best, or model-last (`keep`)
    run_id: str
    scores: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)
    stopped_early: str | None = None

    @property
    def config(self) -> Path:
        """spaCy's config.cfg, or the Trainer settings of a transformer run."""
        cfg = self.output / "config.cfg"
        return cfg if cfg.exists() else self.output / "train_config.json"


def load_base(task: str, base: str):
    """The base pipeline (or a blank English one) and the name it is sourced by."""
    import spacy

    if is_transformer_base(base) or is_scratch_base(base) or base == configs.BLANK:
        return spacy.blank("en"), None
    from myna.models import spacy_location

    source = spacy_location(base)  # installed, a folder, or a registered model
    nlp = spacy.load(source)
    from myna.tasks import get_task

    trained = get_task(task)
    component = trained.spacy_component()
    if trained.trains_base_component and component not in nlp.pipe_names:
        raise InputError(f"base pipeline {base!r} has no {component!r} component to update; "
                         "use --base blank to train one from scratch")
    return nlp, source


def _given(source: Path | None) -> Path:
    if source is None:
        raise InputError("give a training file or an annotation dataset")
    return source


def eval_frequency(n_examples: int) -> int:
    return max(5, min(200, n_examples // 8))


def prepare_data(spec: TrainSpec, nlp, source: str | None, output: Path,
                 on_progress: Callable[[dict[str, Any]], None] | None = None,
                 ) -> tuple[data.PreparedData, int]:
    """Read, align, split, check and (for an update) rehearse, or have a teacher label the
    training texts (distillation); write the DocBin corpus."""
    training = training_for(spec.task)
    label_column = training.label_column(spec)
    train_examples = (data.load_dataset(spec.dataset, spec.db, spec.task) if spec.dataset
                      else data.load(_given(spec.source), spec.text_column, label_column))
    dev_examples = (data.load(spec.dev_source, spec.text_column, label_column)
                    if spec.dev_source else None)
    if spec.join_sentences != 1:
        from myna.data.join_sentences import join_sentences

        train_examples = join_sentences(train_examples, spec.join_sentences, spec.source_name)
        if dev_examples is not None:
            dev_examples = join_sentences(dev_examples, spec.join_sentences,
                                          str(spec.dev_source))
    if spec.repair_escapes:
        from myna.data.repair import repair_examples

        repair_examples(train_examples, spec.source_name)
        if dev_examples is not None:
            repair_examples(dev_examples, str(spec.dev_source))
    training.ready(train_examples, nlp, spec, spec.source_name)
    if dev_examples is not None:
        training.ready(dev_examples, nlp, spec, str(spec.dev_source))
    else:
        train_examples, dev_examples = train_dev_split(train_examples, spec.dev_fraction,
                                                       spec.seed)
    train_examples, labels, rehearsed = training.finish(spec, nlp, source, train_examples,
                                                        dev_examples)
    if spec.teacher is not None:
        train_examples = _taught(spec, train_examples, labels, on_progress)
    output.mkdir(parents=True, exist_ok=True)
    return data.prepare(train_examples, dev_examples, labels, nlp, output / "corpus"), rehearsed


def _taught(spec: TrainSpec, train_examples: list[Example], labels: list[str],
            on_progress: Callable[[dict[str, Any]], None] | None) -> list[Example]:
    """The training texts (and ``--unlabelled`` ones) with the teacher's probabilities."""
    from myna.train.distill import distill_examples

    extra = ([ex.text for ex in data.load(spec.unlabelled, spec.text_column, None)]
             if spec.unlabelled else [])

    def report(done: int, total: int) -> None:
        if on_progress is not None:
            on_progress({"phase": "teacher", "done": done, "total": total})

    return distill_examples(train_examples, extra, str(spec.teacher), labels, spec.exclusive,
                            report, augment=spec.augment, temperature=spec.temperature,
                            seed=spec.seed)


def train(spec: TrainSpec, on_eval: Callable[[dict[str, Any]], None] | None = None,
          ) -> TrainResult:
    """Everything that can be wrong with the input is checked before the first update."""
    training = training_for(spec.task)  # a task Myna cannot train stops here
    scratch = is_scratch_base(spec.base)
    if scratch and not training.trains_scratch:
        raise InputError(f"--base {spec.base} trains text classifiers only", where="--base")
    check_scratch_options(spec)
    check_levers(spec)
    if spec.vectors is not None and spec.base != configs.BLANK and not scratch:
        raise InputError("word vectors feed a new spaCy pipeline (--base blank) or a "
                         "from-scratch model; a pretrained pipeline keeps its own, a "
                         "transformer has its own embeddings", where="--vectors")
    vectors_info: dict[str, Any] = {}
    word_vectors = None  # loaded once, here, for whichever trainer reads them
    if spec.vectors not in (None, RANDOM):
        from myna.text.vectors import load_vectors

        word_vectors = load_vectors(str(spec.vectors))  # a bad one stops here, before the data
    nlp, source = load_base(spec.task, spec.base)
    output = spec.output.resolve()
    prepared, rehearsed = prepare_data(spec, nlp, source, output, on_eval)
    labels = prepared.labels
    transformer = is_transformer_base(spec.base)
    if not transformer and not scratch:
        vectors_dir = None
        if word_vectors is not None:
            from myna.train.static_vectors import spacy_vectors

            vectors_dir, vectors_info = spacy_vectors(word_vectors, output)
        config = configs.fill_config(configs.build_config(
            spec.task, spec.exclusive, nlp if source else None, source,
            train_path=prepared.train_path, dev_path=prepared.dev_path,
            max_epochs=spec.epochs, seed=spec.seed, patience=spec.patience,
            eval_frequency=eval_frequency(len(prepared.train)), learn_rate=spec.learn_rate,
            batch_words=spec.batch_size, vectors=vectors_dir,
            new_component=spec.new_component, cnn=spec.cnn, ngrams=spec.ngrams,
            soft_labels=spec.teacher is not None))
        config.to_disk(output / "config.cfg")

    mlflow = setup_mlflow()
    history: list[dict[str, Any]] = []
    started = time.monotonic()
    with mlflow.start_run(run_name=f"{spec.task}-{spec.base}") as run:
        mlflow.set_tags({"myna.task": spec.task, "myna.base": spec.base,
                         "myna.source": spec.source_name})
        mlflow.log_params({
            "task": spec.task, "base": spec.base, "exclusive": spec.exclusive,
            "epochs": spec.epochs, "max_minutes": spec.max_minutes, "seed": spec.seed,
            "patience": spec.patience, "labels": ",".join(labels), "rehearsed_spans": rehearsed,
            "fix_spans": spec.fix_spans, "rehearse_with": spec.rehearse_with,
            "learn_rate": spec.learn_rate, "batch_size": spec.batch_size,
            "dev_fraction": None if spec.dev_source else spec.dev_fraction, "keep": spec.keep,
            **levers(spec), **prepared.fingerprint(), **vectors_info,
        })

        def record(info: dict[str, Any]) -> None:
            step = int(info.get("step") or 0)
            score = info.get("score")
            losses = {k: float(v) for k, v in (info.get("losses") or {}).items()}
            entry = {"epoch": info.get("epoch"), "step": step,
                     "score": None if score is None else float(score),
                     "losses": losses, "seconds": time.monotonic() - started}
            history.append(entry)
            metrics = flat_metrics("", {"score": entry["score"] or 0.0,
                                        "epoch": info.get("epoch") or 0})
            metrics.update(flat_metrics("loss", losses))
            metrics.update(flat_metrics("dev", info.get("other_scores") or {}))
            mlflow.log_metrics(metrics, step=step)
            if on_eval is not None:
                on_eval(entry)

        if transformer:
            best, stopped = _fit_transformer(spec, prepared, output, record)
            mlflow.log_artifact(str(output / "train_config.json"))
            ran = json.loads((output / "train_config.json").read_text())
            mlflow.log_params({"device": ran["device"], "precision": ran["precision"]})
        elif scratch:
            best, stopped, info = training.fit_scratch(prepared, spec, output, record,
                                                       word_vectors)
            mlflow.log_params({**info, "vectors": spec.vectors or RANDOM,
                               "tokenizer": spec.tokenizer, "hidden": spec.hidden,
                               "layers": spec.layers})
        else:
            mlflow.log_artifact(str(output / "config.cfg"))
            best, stopped = _fit_spacy(config, output, record, spec.max_minutes, started)
            if spec.teacher is not None:  # the student is saved as spaCy's own `textcat`
                from myna.train.distill import as_plain_textcat

                for folder in (output / "model-best", output / "model-last"):
                    as_plain_textcat(folder, configs.component_name(spec.task,
                                                                    spec.exclusive))
        model = kept_model(spec, output, best)
        scores = score_model(model, prepared.dev, spec.task)
        (output / "scores.json").write_text(json.dumps(scores, indent=2))
        (output / "history.json").write_text(json.dumps(history, indent=2))
        mlflow.log_metrics(flat_metrics("final", scores))
        mlflow.log_artifact(str(output / "scores.json"))
        if spec.profile:  # before logging, so the registered model carries it
            mlflow.set_tag("myna.profile", write_profile(model, prepared.train, prepared.dev,
                                                         spec.task))
        # An MLflow Model of the `myna` flavor: `myna models register RUN_ID` and
        # `mlflow.pyfunc.load_model(f"runs:/{run_id}/model")` both work on it.
        from myna.registry.flavor import log_model

        log_model(model, name="model")
        run_id = run.info.run_id
    return TrainResult(output, model, run_id, scores, history, stopped)


def kept_model(spec: TrainSpec, output: Path, best: Path) -> Path:
    """model-best (the evaluation the held-out split scored best), or with ``keep="last"``
    model-last: the schedule's final weights, chosen by no one, which a small held-out split
    can judge worse than a luckier earlier epoch. Every trainer saves both."""
    return output / "model-last" if spec.keep == "last" else best


def levers(spec: TrainSpec) -> dict[str, Any]:
    """The quality options a run used, as MLflow parameters (so runs can be compared by them)."""
    return {"word_shapes": spec.word_shapes, "spacy_features": spec.spacy_features,
            "spacy_annotations": spec.spacy_annotations,
            "decode": spec.decode,
            "average_last": spec.average_last, "join_sentences": spec.join_sentences,
            "repair_escapes": spec.repair_escapes,
            "new_component": spec.new_component, "cnn": spec.cnn, "ngrams": spec.ngrams,
            "teacher": spec.teacher,
            "unlabelled": str(spec.unlabelled) if spec.unlabelled else None,
            "augment": spec.augment, "temperature": spec.temperature}


def check_levers(spec: TrainSpec) -> None:
    """Quality options only some tasks (`TaskTraining.levers`) and bases have, refused before
    any data is read."""
    unused = levers(TrainSpec(task=spec.task, source=None, output=Path()))
    used = {name for name, value in levers(spec).items() if value != unused[name]}
    refused = sorted(used - training_for(spec.task).levers)
    if refused:
        option = "--" + refused[0].replace("_", "-")
        raise InputError(f"{option} is not an option for training {spec.task}", where=option)
    if spec.keep not in KEEP:
        raise InputError(f"--keep is {' or '.join(KEEP)}, not {spec.keep!r}", where="--keep")
    transformer = is_transformer_base(spec.base)
    if (spec.word_shapes or spec.spacy_features or spec.decode != "greedy") and not transformer:
        option = ("--word-shapes" if spec.word_shapes else
                  "--spacy-features" if spec.spacy_features else "--decode")
        raise InputError("--word-shapes, --spacy-features and --decode are for entity "
                         "recognizers fine-tuned from a transformer (--base transformer); "
                         "spaCy's own `ner` reads word shapes and its CNN already and only ever "
                         "predicts valid BIO sequences", where=option)
    if spec.spacy_annotations and not spec.spacy_features:
        raise InputError("--spacy-annotations reads the predictions of the --spacy-features "
                         "pipeline; name one (e.g. --spacy-features en_core_web_sm)",
                         where="--spacy-annotations")
    if spec.spacy_features:  # an unknown pipeline, or one that cannot give the features
        from myna.models.spacy_features import word_features  # (no ner, no tagger for tags)

        word_features(spec.spacy_features, spec.spacy_annotations)  # fails before any work
    if spec.average_last and not transformer:
        raise InputError("--average-last averages a fine-tuned transformer's checkpoints "
                         "(--base transformer)", where="--average-last")
    if spec.average_last == 1 or spec.average_last < 0:
        raise InputError("--average-last needs at least 2 evaluations to average (0: off)",
                         where="--average-last")
    if spec.new_component is not None and (transformer or is_scratch_base(spec.base)
                                           or spec.base == configs.BLANK):
        raise InputError("--new-component adds an entity recognizer to a pretrained spaCy "
                         "pipeline (--base en_core_web_sm or a folder)",
                         where="--new-component")
    if (spec.cnn or spec.ngrams) and spec.base != configs.BLANK:
        option = "--cnn" if spec.cnn else "--ngrams"
        raise InputError("--cnn and --ngrams train a new spaCy classifier (--base blank)",
                         where=option)
    if spec.teacher is not None and spec.base != configs.BLANK and not transformer:
        raise InputError("--teacher trains a new spaCy classifier (--base blank) or a "
                         "transformer (--base transformer)", where="--teacher")
    if spec.temperature != 1 and transformer:
        raise InputError("a transformer student learns the teacher's top category, which a "
                         "temperature does not change", where="--temperature")
    if spec.ngrams < 0:
        raise InputError("--ngrams is a number of words (1: single words; 0: spaCy's default)",
                         where="--ngrams")
    for option, given in (("--unlabelled", spec.unlabelled is not None),
                          ("--augment", spec.augment != 0),
                          ("--temperature", spec.temperature != 1)):
        if given and spec.teacher is None:
            raise InputError(f"{option} is a distillation option: the texts are labelled by a "
                             "--teacher; give one", where=option)
    if spec.augment < 0 or spec.temperature <= 0:
        option = "--augment" if spec.augment < 0 else "--temperature"
        raise InputError("--augment is a number of copies per text (0: none) and --temperature "
                         "a positive number (1: the teacher's own probabilities)", where=option)
    from myna.models.bio_decode import DECODERS

    if spec.decode not in DECODERS:
        raise InputError(f"unknown decoding {spec.decode!r}; choose {' or '.join(DECODERS)}",
                         where="--decode")


def _fit_transformer(spec: TrainSpec, prepared: data.PreparedData, output: Path,
                     record: Callable[[dict[str, Any]], None]) -> tuple[Path, str | None]:
    common: dict[str, Any] = {
        "base": spec.base, "output": output, "epochs": spec.epochs, "seed": spec.seed,
        "max_minutes": spec.max_minutes, "patience": spec.patience, "on_eval": record,
        "device": spec.device, "precision": spec.precision,
        "average_last": spec.average_last}
    if spec.learn_rate is not None:
        common["learning_rate"] = spec.learn_rate
    if spec.batch_size is not None:
        common["batch_size"] = spec.batch_size
    return training_for(spec.task).fit_transformer(prepared, spec, common)


def _fit_spacy(config, output: Path, record: Callable[[dict[str, Any]], None],
               max_minutes: float | None, started: float) -> tuple[Path, str | None]:
    """spaCy's own loop; returns model-best (or model-last) and why it stopped early."""
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train as spacy_train

    def check_time(info: dict[str, Any]) -> None:
        if max_minutes is not None and time.monotonic() - started > max_minutes * 60:
            raise TimeLimitReached()

    stopped = None
    train_logger.clear_listeners()
    train_logger.add_listener(record)
    train_logger.add_listener(check_time)
    try:
        # The written config keeps spaCy's console logger so `spacy train config.cfg`
        # reruns as usual; this run reports through Myna's logger instead.
        run_config = config.copy()
        run_config["training"]["logger"] = {"@loggers": "myna.TrainingLogger.v1"}
        spacy_train(init_nlp(run_config, use_gpu=-1), output, use_gpu=-1,
                    stdout=io.StringIO(), stderr=io.StringIO())
    except TimeLimitReached:
        stopped = f"time limit of {max_minutes} minutes"
    finally:
        train_logger.clear_listeners()
    best = output / "model-best"
    return (best if best.exists() else output / "model-last"), stopped


def score_model(model_dir: Path, dev: list[Example], task: str) -> dict[str, Any]:
    """spaCy's own scorer on the dev examples, keeping the headline and per-label scores."""
    from myna.evaluate.scoring import predict

    _, _, raw = predict(str(model_dir), dev, task, "dev")
    keep = ("ents_p", "ents_r", "ents_f", "ents_per_type", "cats_score", "cats_micro_f",
            "cats_macro_f", "cats_macro_auc", "cats_f_per_type")
    return {k: _plain(v) for k, v in raw.items() if k in keep and v is not None}


def _plain(value: Any) -> Any:
    """Scorer results hold numpy floats; JSON and MLflow want Python ones."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return float(value)

