"""`myna serve MODEL`: the REST service (FastAPI + uvicorn) for any Myna model."""

from __future__ import annotations

import gc
from pathlib import Path

import typer

from myna.cli.device_options import (
    DEVICE,
    PRECISION,
    REVIEW_BELOW,
    REVIEW_DATASET,
    REVIEW_DB,
    apply_device,
)
from myna.core.console import err_console
from myna.core.errors import InputError
from myna.serve.settings import MB, ServeSettings

DEFAULTS = ServeSettings()


def serve_command(
    model: str = typer.Argument(..., help="models:/NAME@ALIAS, models:/NAME/3, runs:/ID/model, "
                                          "a model directory or an installed spaCy pipeline."),
    host: str = typer.Option("127.0.0.1", help="Interface to bind; beyond loopback needs keys."),
    port: int = typer.Option(8000, help="Port to listen on."),
    kb: Path | None = typer.Option(None, "--kb", help="Knowledge base for /v1/link."),
    api_key_file: Path | None = typer.Option(None, "--api-key-file",
                                             help="API keys, one per line (and MYNA_API_KEYS)."),
    allowed_host: list[str] = typer.Option(
        [], "--allowed-host", help="Host name clients use to reach the server (repeatable). "
                                   "Bound to loopback, only loopback names are answered; "
                                   "bound elsewhere, any name unless this is given."),
    max_body_mb: float = typer.Option(1.0, "--max-body-mb", help="Largest request body."),
    max_text_chars: int = typer.Option(DEFAULTS.max_text_chars, "--max-text-chars",
                                       help="Longest single text."),
    max_texts: int = typer.Option(DEFAULTS.max_texts, "--max-texts",
                                  help="Most texts in one request."),
    max_request_chars: int = typer.Option(DEFAULTS.max_request_chars, "--max-request-chars",
                                          help="Most characters in one request, all texts."),
    max_request_tokens: int = typer.Option(DEFAULTS.max_request_tokens, "--max-request-tokens",
                                           help="Most tokens in one /v1/analyze request."),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds before a request gets 504 "
                                                          "(its remaining work is dropped)."),
    workers: int = typer.Option(DEFAULTS.workers, "--workers",
                                help="Worker processes, each with its own copy of the model."),
    reserve_chars: int = typer.Option(DEFAULTS.reserve_chars, "--reserve-chars",
                                      help="One worker only takes model calls of at most this "
                                           "many characters, so short requests never wait "
                                           "behind long ones (0: every worker takes any)."),
    max_batch: int = typer.Option(DEFAULTS.max_batch, "--max-batch",
                                  help="Most texts in one model call."),
    max_batch_chars: int = typer.Option(DEFAULTS.max_batch_chars, "--max-batch-chars",
                                        help="Most characters in one model call (a longer "
                                             "single text runs alone)."),
    max_queue_chars: int = typer.Option(DEFAULTS.max_queue_chars, "--max-queue-chars",
                                        help="Characters waiting for a worker before new "
                                             "requests get 503 with Retry-After."),
    max_wait_ms: float = typer.Option(5.0, "--max-wait-ms",
                                      help="How long a request waits for others to batch with."),
    docs: bool = typer.Option(False, "--docs", help="Serve Swagger UI at /docs (its scripts "
                                                    "load from a CDN, so not offline)."),
    follow_alias: bool = typer.Option(False, "--follow-alias",
                                      help="Poll the registry; swap in the version the alias "
                                           "points at, without downtime."),
    poll_seconds: float = typer.Option(10.0, "--poll-seconds", help="Registry poll interval."),
    index: Path | None = typer.Option(None, "--index", help="A vector index (`myna index "
                                      "build`) to answer /v1/search beside the model."),
    device: str | None = DEVICE, precision: str | None = PRECISION,
    monitor: bool = typer.Option(False, "--monitor", help="Keep a rolling window of inputs and "
                                 "answers and check it for drift against the model's "
                                 "reference profile; figures on /metrics and /monitor."),
    monitor_profile: Path | None = typer.Option(None, "--monitor-profile",
                                                help="Reference profile (default: the model's "
                                                     "own)."),
    monitor_window: int = typer.Option(1000, "--monitor-window", min=20,
                                       help="Texts in the drift window."),
    monitor_every: float = typer.Option(60.0, "--monitor-every", min=0.1,
                                        help="Seconds between drift checks."),
    monitor_alpha: float = typer.Option(0.05, "--monitor-alpha",
                                        help="False-alarm rate of one drift check."),
    review_below: float | None = REVIEW_BELOW, review_dataset: str | None = REVIEW_DATASET,
    review_db: str | None = REVIEW_DB,
) -> None:
    """Serve a model over REST: /v1/ner, /v1/classify, /v1/analyze, /v1/link, /invocations."""
    from myna.core.web import server as http
    from myna.core.web.auth import check_binding, load_keys
    from myna.core.web.hosts import allowed_hosts_for
    from myna.serve.app import build_app
    from myna.serve.holder import ModelHolder, load_in_processes

    keys = load_keys(api_key_file)
    check_binding(host, keys)  # before the slow part: a refused start should be quick
    if (review_below is None) != (review_dataset is None):
        raise InputError("--review-below and --review-dataset go together")
    apply_device(device, precision)
    settings = ServeSettings(  # checks the limits before the slow part too
        api_keys=keys, allowed_hosts=allowed_hosts_for(host, allowed_host), docs=docs,
        max_body_bytes=int(max_body_mb * MB), max_text_chars=max_text_chars,
        max_texts=max_texts, max_request_chars=max_request_chars,
        max_request_tokens=max_request_tokens, timeout_s=timeout, max_batch=max_batch,
        max_batch_chars=max_batch_chars, max_wait_ms=max_wait_ms, workers=workers,
        reserve_chars=reserve_chars,
        max_queue_chars=max_queue_chars)
    err_console.print(f"loading {model} in {workers} worker process"
                      f"{'es' if workers > 1 else ''} …", highlight=False)
    if kb is not None and not kb.is_file():
        raise InputError("no such knowledge base file", where=str(kb))
    kb_file = str(kb.resolve()) if kb else None
    if index is not None and not (index / "manifest.json").is_file():
        raise InputError("not a vector index (no manifest.json); build one with `myna index "
                         "build`", where=str(index))

    def load(source: str):
        return load_in_processes(source, kb_file, workers)

    holder = ModelHolder(load(model), reload=load)
    also = [ModelHolder(load_in_processes(str(index), None, 1))] if index else []
    model_limit = holder.current.predictor.max_length
    if max_text_chars > model_limit:
        raise InputError(f"--max-text-chars {max_text_chars:,} is over the model's own limit "
                         f"of {model_limit:,} characters (nlp.max_length); longer texts would "
                         "fail, so lower it")
    if follow_alias:
        holder.follow_alias(poll_seconds)
    loaded = holder.current
    observers = []
    if monitor:
        observers.append(drift_watch(model, monitor_profile, loaded.predictor.tasks,
                                     monitor_window, monitor_every, monitor_alpha))
    if review_below is not None and review_dataset is not None:
        observers.append(review_writer(review_dataset, review_below, review_db, loaded))
    tasks = [*loaded.predictor.tasks, *(t for h in also for t in h.current.predictor.tasks
                                         if t not in loaded.predictor.tasks)]
    err_console.print(f"serving {model}{f' and {index}' if index else ''} (tasks: "
                      f"{', '.join(tasks)}) on "
                      f"http://{host}:{port}  ·  OpenAPI spec at /openapi.json"
                      + ("  ·  API keys required" if keys else ""), highlight=False)
    gc.collect()
    gc.freeze()  # what is loaded now lives on: later full collections need not walk it
    http.run(build_app(holder, settings, also, observers), host, port,
             settings.max_header_bytes, settings.header_timeout_s)


def drift_watch(model: str, profile_path: Path | None, tasks: list[str], window: int,
                every_s: float, alpha: float = 0.05):
    """The `--monitor` observer (its profile read and checked now, not at the first check)."""
    from myna.monitor.profile import load_profile
    from myna.serve.observers import DriftWatch
    from myna.tasks import get_task

    if not 0 < alpha < 1:
        raise InputError(f"must be between 0 and 1, not {alpha}", where="--monitor-alpha")
    profile = load_profile(profile_path or model)
    if profile.task not in tasks:
        raise InputError(f"the profile watches {profile.task!r}, which this model does not "
                         f"answer ({', '.join(tasks)})", where="--monitor-profile")
    err_console.print(f"monitoring {profile.task} for drift: a window of {window:,} texts, "
                      f"checked every {every_s:g} s", highlight=False)
    return lambda metrics: DriftWatch(profile, get_task(profile.task), metrics, window,
                                      every_s, min_texts=min(100, window), alpha=alpha)


def review_writer(dataset: str, threshold: float, db: str | None, loaded):
    """The `--review-below` observer: the model's first task with a confidence to review."""
    from myna.annotate.review_queue import ReviewQueue
    from myna.serve.observers import ReviewWriter
    from myna.tasks import get_task

    reviewed = [get_task(t) for t in loaded.predictor.tasks if get_task(t).review_kind]
    if not reviewed:
        raise InputError(f"{loaded.source} answers no task with a confidence to review by "
                         f"(it does {', '.join(loaded.predictor.tasks)})",
                         where="--review-below")
    task = reviewed[0]
    review = ReviewQueue(dataset, threshold, task, loaded.predictor.labels.get(task.name, []),
                         loaded.source, loaded.version, db)
    err_console.print(f"{task.name} answers under {threshold:g} go to dataset {dataset!r} for "
                      "review", highlight=False)
    return lambda metrics: ReviewWriter(review, metrics)
