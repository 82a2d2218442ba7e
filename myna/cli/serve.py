"""`myna serve MODEL`: the REST service (FastAPI + uvicorn) for any Myna model."""

from __future__ import annotations

from pathlib import Path

import typer

from myna.cli.console import err_console
from myna.serve.settings import MB, ServeSettings


def serve_command(
    model: str = typer.Argument(..., help="models:/NAME@ALIAS, models:/NAME/3, runs:/ID/model, "
                                          "a model directory or an installed spaCy pipeline."),
    host: str = typer.Option("127.0.0.1", help="Interface to bind; beyond loopback needs keys."),
    port: int = typer.Option(8000, help="Port to listen on."),
    kb: Path | None = typer.Option(None, "--kb", help="Knowledge base for /v1/link."),
    api_key_file: Path | None = typer.Option(None, "--api-key-file",
                                             help="API keys, one per line (and MYNA_API_KEYS)."),
    max_body_mb: float = typer.Option(1.0, "--max-body-mb", help="Largest request body."),
    max_text_chars: int = typer.Option(100_000, "--max-text-chars", help="Longest single text."),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds before a request gets 504."),
    max_batch: int = typer.Option(64, "--max-batch", help="Most texts in one model call."),
    max_wait_ms: float = typer.Option(5.0, "--max-wait-ms",
                                      help="How long a request waits for others to batch with."),
    follow_alias: bool = typer.Option(False, "--follow-alias",
                                      help="Poll the registry; swap in the version the alias "
                                           "points at, without downtime."),
    poll_seconds: float = typer.Option(10.0, "--poll-seconds", help="Registry poll interval."),
) -> None:
    """Serve a model over REST: /v1/ner, /v1/classify, /v1/analyze, /v1/link, /invocations."""
    import uvicorn

    from myna.serve.app import build_app
    from myna.serve.auth import check_binding, load_keys
    from myna.serve.holder import ModelHolder, load_predictor

    keys = load_keys(api_key_file)
    check_binding(host, keys)  # before the slow part: a refused start should be quick
    err_console.print(f"loading {model} …")
    holder = ModelHolder(load_predictor(model, str(kb) if kb else None))
    if follow_alias:
        holder.follow_alias(poll_seconds)
    settings = ServeSettings(api_keys=keys, max_body_bytes=int(max_body_mb * MB),
                             max_text_chars=max_text_chars, timeout_s=timeout,
                             max_batch=max_batch, max_wait_ms=max_wait_ms)
    loaded = holder.current
    err_console.print(f"serving {model} (tasks: {', '.join(loaded.predictor.tasks)}) on "
                      f"http://{host}:{port}  ·  docs at http://{host}:{port}/docs"
                      + ("  ·  API keys required" if keys else ""))
    uvicorn.run(build_app(holder, settings), host=host, port=port, log_level="warning",
                access_log=False, timeout_graceful_shutdown=10)
