"""`myna app`: start the Streamlit app on 127.0.0.1 and print its URL."""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path

import typer

from myna.app.settings import MAX_CHARS, AppSettings
from myna.core.console import err_console
from myna.core.errors import InputError
from myna.core.processes import Terminated, run_child


def app_command(
    data: Path | None = typer.Option(None, "--data", help="CSV, TSV, JSONL or Parquet to "
                                                           "explore."),
    text_column: str = typer.Option("text", "--text-column", "-c"),
    label_column: str | None = typer.Option(None, "--label-column", "-l",
                                            help="Category column (the sidebar's filter)."),
    title_column: str | None = typer.Option(None, "--title-column",
                                            help="Shown above the single article."),
    models: str = typer.Option("en_core_web_sm", "--models", "-m",
                               help="Comma-separated spaCy pipelines or model URIs "
                                    "(models:/news-ner@production); the first is the base."),
    kb: Path | None = typer.Option(None, "--kb", help="Knowledge base to link entities to."),
    db: str | None = typer.Option(None, "--db", help="Annotation store URL."),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8501, "--port", "-p"),
    max_chars: int = typer.Option(MAX_CHARS, "--max-chars",
                                  help="Longest text the pages will run."),
) -> None:
    """Explore a dataset, compare NER models, classify, analyse, browse models (Streamlit)."""
    from myna.core.web.auth import is_loopback

    if not is_loopback(host):
        raise InputError(f"refusing to serve the app on {host}: it has no login; bind to "
                         "127.0.0.1 and put an authenticating proxy in front to share it")
    for path in (data, kb):
        if path is not None and not path.is_file():
            raise InputError("no such file", where=str(path))
    settings = AppSettings(data=str(data.resolve()) if data else None, text_column=text_column,
                           label_column=label_column, title_column=title_column,
                           models=[m.strip() for m in models.split(",") if m.strip()],
                           kb=str(kb.resolve()) if kb else None, db=db, max_chars=max_chars)
    script = Path(str(resources.files("myna.app").joinpath("main.py")))
    cmd = [sys.executable, "-m", "streamlit", "run", str(script),
           "--server.address", host, "--server.port", str(port), "--server.headless", "true",
           "--browser.gatherUsageStats", "false", "--global.developmentMode", "false",
           "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal"]
    err_console.print(f"Myna app: open http://{host}:{port} (Ctrl+C to stop)")
    env = {**os.environ, **settings.to_env()}
    try:
        code = run_child(cmd, env=env)  # Streamlit stops with us (Ctrl+C or SIGTERM)
    except Terminated:
        raise
    except KeyboardInterrupt:
        code = 0
    if code:
        raise typer.Exit(code)
