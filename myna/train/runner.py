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
from myna.core.example import Example, Span
from myna.core.tracking import flat_metrics, setup_mlflow
from myna.data.splits import train_dev_split
from myna.train import configs, data
from myna.train import logger as train_logger
from myna.train.spec import TrainSpec
from myna.train.transformer import is_transformer_base


class TimeLimitReached(Exception):
    """Raised from the logger to stop spaCy's loop; spaCy saves model-last on the way out."""


@dataclass
class TrainResult:
    output: Path
    best_model: Path
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

    if is_transformer_base(base) or base == configs.BLANK:
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


def rehearse_with_base(examples: list[Example], base_nlp, new_labels: set[str]) -> int:
    """Add the base model's own entities (of its labels) to each training text where they do
    not overlap a gold span, so updating with new labels does not forget the old ones."""
    base_labels = set(base_nlp.get_pipe("ner").labels) - new_labels
    added = 0
    texts = (ex.text for ex in examples)
    for ex, doc in zip(examples, base_nlp.pipe(texts, batch_size=256), strict=True):
        gold_labels = {s.label for s in ex.spans}
        for ent in doc.ents:
            if ent.label_ not in base_labels or ent.label_ in gold_labels:
                continue
            if any(ent.start_char < s.end and s.start < ent.end_char for s in ex.spans):
                continue
            ex.spans.append(Span(ent.start_char, ent.end_char, ent.label_))
            added += 1
        ex.spans.sort(key=lambda s: s.start)
    return added


def _given(source: Path | None) -> Path:
    if source is None:
        raise InputError("give a training file or an annotation dataset")
    return source


def eval_frequency(n_examples: int) -> int:
    return max(5, min(200, n_examples // 8))


def prepare_data(spec: TrainSpec, nlp, source: str | None, output: Path,
                 ) -> tuple[data.PreparedData, int]:
    """Read, align, split, check and (for an update) rehearse; write the DocBin corpus."""
    label_column = spec.label_column if spec.task == "textcat" else None
    train_examples = (data.load_dataset(spec.dataset, spec.db, spec.task) if spec.dataset
                      else data.load(_given(spec.source), spec.text_column, label_column))
    dev_examples = (data.load(spec.dev_source, spec.text_column, label_column)
                    if spec.dev_source else None)
    if spec.task == "ner":
        data.align_spans(train_examples, nlp, spec.fix_spans, spec.source_name)
        if dev_examples is not None:
            data.align_spans(dev_examples, nlp, spec.fix_spans, str(spec.dev_source))
    if dev_examples is None:
        train_examples, dev_examples = train_dev_split(train_examples, spec.dev_fraction,
                                                       spec.seed)
    rehearsed = 0
    if spec.task == "ner":
        labels = data.check_ner(train_examples, dev_examples)
        if source and spec.rehearse:
            # Dev too: its base-label scores then measure agreement with the base model,
            # i.e. how much of the old labels the update forgot.
            rehearsed = rehearse_with_base(train_examples, nlp, set(labels))
            rehearse_with_base(dev_examples, nlp, set(labels))
            if spec.rehearse_with is not None:
                raw = data.load(spec.rehearse_with, spec.text_column, None)
                for ex in raw:
                    ex.spans = []
                rehearsed += rehearse_with_base(raw, nlp, set(labels))
                train_examples = train_examples + raw
            labels = data.check_ner(train_examples, dev_examples,
                                    frozenset(nlp.get_pipe("ner").labels))
    else:
        labels = data.check_textcat(train_examples, dev_examples, spec.exclusive)
    output.mkdir(parents=True, exist_ok=True)
    return data.prepare(train_examples, dev_examples, labels, nlp, output / "corpus"), rehearsed


def train(spec: TrainSpec, on_eval: Callable[[dict[str, Any]], None] | None = None,
          ) -> TrainResult:
    """Everything that can be wrong with the input is checked before the first update."""
    if spec.task not in ("ner", "textcat"):
        raise InputError(f"unknown task {spec.task!r}")
    nlp, source = load_base(spec.task, spec.base)
    output = spec.output.resolve()
    prepared, rehearsed = prepare_data(spec, nlp, source, output)
    labels = prepared.labels
    transformer = is_transformer_base(spec.base)
    if not transformer:
        config = configs.fill_config(configs.build_config(
            spec.task, spec.exclusive, nlp if source else None, source,
            train_path=prepared.train_path, dev_path=prepared.dev_path,
            max_epochs=spec.epochs, seed=spec.seed, patience=spec.patience,
            eval_frequency=eval_frequency(len(prepared.train)), learn_rate=spec.learn_rate,
            batch_words=spec.batch_size))
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
            **prepared.fingerprint(),
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
        else:
            mlflow.log_artifact(str(output / "config.cfg"))
            best, stopped = _fit_spacy(config, output, record, spec.max_minutes, started)
        scores = score_model(best, prepared.dev, spec.task)
        (output / "scores.json").write_text(json.dumps(scores, indent=2))
        (output / "history.json").write_text(json.dumps(history, indent=2))
        mlflow.log_metrics(flat_metrics("final", scores))
        mlflow.log_artifact(str(output / "scores.json"))
        # An MLflow Model of the `myna` flavor: `myna models register RUN_ID` and
        # `mlflow.pyfunc.load_model(f"runs:/{run_id}/model")` both work on it.
        from myna.registry.flavor import log_model

        log_model(best, name="model")
        run_id = run.info.run_id
    return TrainResult(output, best, run_id, scores, history, stopped)


def _fit_transformer(spec: TrainSpec, prepared: data.PreparedData, output: Path,
                     record: Callable[[dict[str, Any]], None]) -> tuple[Path, str | None]:
    common: dict[str, Any] = {
        "base": spec.base, "output": output, "epochs": spec.epochs, "seed": spec.seed,
        "max_minutes": spec.max_minutes, "patience": spec.patience, "on_eval": record}
    if spec.learn_rate is not None:
        common["learning_rate"] = spec.learn_rate
    if spec.batch_size is not None:
        common["batch_size"] = spec.batch_size
    if spec.task == "ner":
        from myna.train.transformer_ner import train_ner

        best, _, _, stopped = train_ner(prepared.train, prepared.dev, prepared.labels, **common)
    else:
        from myna.train.transformer_textcat import train_textcat

        best, _, _, stopped = train_textcat(prepared.train, prepared.dev, prepared.labels,
                                            exclusive=spec.exclusive, **common)
    return best, stopped


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
