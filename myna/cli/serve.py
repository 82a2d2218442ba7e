"""`myna serve MODEL`: the REST service (FastAPI + uvicorn) for any Myna model."""

from __future__ import annotations

import gc
from pathlib import Path

import typer

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
) -> None:
    """Serve a model over REST: /v1/ner, /v1/classify, /v1/analyze, /v1/link, /invocations."""
    from myna.core.web import server as http
    from myna.core.web.auth import check_binding, load_keys
    from myna.core.web.hosts import allowed_hosts_for
    from myna.serve.app import build_app
    from myna.serve.holder import ModelHolder, load_in_processes

    keys = load_keys(api_key_file)
    check_binding(host, keys)  # before the slow part: a refused start should be quick
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
    tasks = [*loaded.predictor.tasks, *(t for h in also for t in h.current.predictor.tasks
                                         if t not in loaded.predictor.tasks)]
    err_console.print(f"serving {model}{f' and {index}' if index else ''} (tasks: "
                      f"{', '.join(tasks)}) on "
                      f"http://{host}:{port}  ·  OpenAPI spec at /openapi.json"
                      + ("  ·  API keys required" if keys else ""), highlight=False)
    gc.collect()
    gc.freeze()  # what is loaded now lives on: later full collections need not walk it
    http.run(build_app(holder, settings, also), host, port, settings.max_header_bytes,
             settings.header_timeout_s)
