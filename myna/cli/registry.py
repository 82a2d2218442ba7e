"""`myna models`: the MLflow model registry — register, list, show, alias, load, diff."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import typer
from rich.table import Table

from myna.core.console import console, err_console, markup


def _registry():
    """The MLflow registry client, imported when a command needs it (MLflow takes seconds)."""
    from myna.registry import client

    return client


app = typer.Typer(help="Registered models: versions, aliases, metrics.", no_args_is_help=True)


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")


@app.command("register")
def register_command(
    source: str = typer.Argument(..., help="A training run id (or runs:/ID/model), a pipeline "
                                           "directory or an installed pipeline name."),
    name: str = typer.Option(..., "--name", "-n", help="Registered model name."),
    description: str | None = typer.Option(None, "--description"),
    alias: str | None = typer.Option(None, "--alias", help="Point this alias at the version."),
) -> None:
    """Register a model version (creating the registered model if needed)."""
    info = _registry().register(source, name, description)
    if alias:
        info = _registry().set_alias(name, info.version, alias)
    console.print(markup("registered [bold]{}[/] version {}{}", name, info.version,
                         f" @{alias}" if alias else ""))
    err_console.print(f"load it with models:/{name}/{info.version}")


@app.command("list")
def list_command() -> None:
    """Every registered model with its latest version and aliases."""
    from myna.registry.listing import list_models

    rows = list_models()
    if not rows:
        console.print("no registered models yet (see `myna models register`)")
        return
    table = Table(title="Registered models", title_justify="left")
    for col in ("name", "latest", "aliases", "description"):
        table.add_column(col)
    for r in rows:
        aliases = ", ".join(f"{a}→v{v}" for a, v in sorted(r["aliases"].items()))
        table.add_row(r["name"], str(r["latest"]), aliases, r["description"])
    console.print(table)


@app.command("show")
def show_command(name: str = typer.Argument(...),
                 json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """A registered model's versions: aliases, task, metrics, data and code versions."""
    found = _registry().versions(name)
    if json_out:
        console.print_json(json.dumps([v.__dict__ for v in found]))
        return
    table = Table(title=f"{name}", title_justify="left")
    for col in ("version", "aliases", "created", "task", "headline", "train rows", "code"):
        table.add_column(col)
    for v in found:
        headline = ", ".join(f"{k.removeprefix('final.')} {v.metrics[k]:.3f}"
                             for k in _registry().HEADLINE_METRICS[:4] if k in v.metrics)
        table.add_row(v.version, ", ".join(v.aliases), _when(v.created),
                      v.tags.get("myna.task", ""), headline, v.tags.get("data.train_rows", ""),
                      v.tags.get("myna.code_version", ""))
    console.print(table)


@app.command("alias")
def alias_command(name: str = typer.Argument(...), version: int = typer.Argument(...),
                  alias: str = typer.Argument(..., help="production, staging, …")) -> None:
    """Point ALIAS at VERSION (moving it from the version that had it)."""
    _registry().set_alias(name, version, alias)
    console.print(f"{name}@{alias} → version {version}")


@app.command("load")
def load_command(
    uri: str = typer.Argument(..., help="models:/N@alias, models:/N/3, runs:/ID/model, a "
                                        "model directory or an installed pipeline."),
    text: list[str] = typer.Option(None, "--text", "-t", help="Texts to predict on."),
    task: str | None = typer.Option(None, "--task", help="A task the model can do (default: "
                                                          "its first)."),
) -> None:
    """Load a model and say what it can do; with --text, predict."""
    from myna.models import load
    from myna.tasks import Predictor

    predictor = Predictor(load(uri), name=uri)
    parts = (f"pipes {', '.join(predictor.nlp.pipe_names)}; " if predictor.model.kind == "spacy"
             else f"{predictor.model.kind}; ")
    console.print(f"{uri}: {parts}tasks {', '.join(predictor.tasks)}")
    for label_kind, labels in predictor.labels.items():
        console.print(f"{label_kind} labels: {', '.join(labels)}")
    if text:
        for row in predictor.predict(text, task):
            console.print_json(json.dumps(row))


@app.command("diff")
def diff_command(name: str = typer.Argument(...), first: int = typer.Argument(...),
                 second: int = typer.Argument(...)) -> None:
    """Two versions side by side: their final dev metrics, and the tags that differ."""
    rows = _registry().diff(name, first, second)
    table = Table(title=f"{name}: v{first} vs v{second}", title_justify="left")
    for col in ("metric / tag", f"v{first}", f"v{second}", "Δ"):
        table.add_column(col, justify="left" if col == "metric / tag" else "right")
    for key, a, b in rows:
        delta = f"{b - a:+.4f}" if isinstance(a, float) and isinstance(b, float) else ""
        table.add_row(key, _fmt(a), _fmt(b), delta)
    console.print(table if rows else "neither version has metrics, and their tags agree")


def _fmt(value) -> str:
    if value is None:
        return "–"
    return f"{value:.4f}" if isinstance(value, float) else str(value)
