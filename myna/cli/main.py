"""Entry point: builds the Typer app and turns `MynaError` into a one-line message."""

from __future__ import annotations

import os
import sys

import click
import typer

from myna.cli import (
    analyze,
    annotate,
    annotate_db,  # noqa: F401  (registers db-in, db-out, ... on `annotate`)
    attention,
    batch,
    compare,
    compare_archs,
    data,
    demo,
    doctor,
    ensemble,
    evaluate,
    export,
    index,
    jobs,
    kb,
    lm,
    monitor,
    predict,
    registry,
    search,
    serve,
    tokenizer,
    train,
    vectors,
)
from myna.cli.app import app_command
from myna.core.console import err_console, markup
from myna.core.errors import MynaError
from myna.core.processes import handle_sigterm, received

app = typer.Typer(
    name="myna",
    help="Applied-NLP workbench: analyze, annotate, train, register, serve and batch.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
state = {"debug": False}
try:  # Typer 0.2x raises usage errors from its own copy of click
    from typer._click.exceptions import ClickException as _TyperClickException

    USAGE_ERRORS: tuple[type[Exception], ...] = (click.ClickException, _TyperClickException)
except ImportError:
    USAGE_ERRORS = (click.ClickException,)


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors.")):
    state["debug"] = debug


app.command("analyze")(analyze.analyze_command)
app.command("app")(app_command)
app.command("demo")(demo.demo_command)
app.command("doctor")(doctor.doctor_command)
app.command("evaluate")(evaluate.evaluate_command)
app.command("compare")(compare.compare_command)
app.command("compare-archs")(compare_archs.compare_archs_command)
app.command("predict")(predict.predict_command)
app.command("search")(search.search_command)
app.command("serve")(serve.serve_command)
app.add_typer(annotate.app, name="annotate")
app.add_typer(attention.app, name="attention")
app.add_typer(batch.app, name="batch")
app.add_typer(data.app, name="data")
app.add_typer(index.app, name="index")
app.add_typer(jobs.app, name="jobs")
app.add_typer(kb.app, name="kb")
app.add_typer(lm.app, name="lm")
app.add_typer(monitor.app, name="monitor")
registry.app.command("export")(export.export_command)
registry.app.command("ensemble")(ensemble.ensemble_command)
app.add_typer(registry.app, name="models")
app.add_typer(tokenizer.app, name="tokenizer")
app.add_typer(train.app, name="train")
app.add_typer(vectors.app, name="vectors")


def _interrupted() -> int:
    """Exit code for Ctrl+C (130) or a termination signal (128 + its number)."""
    return 128 + received[-1] if received else 130


def _exit(code: int) -> None:
    if code == 130:  # Typer turns Ctrl+C and our SIGTERM alike into 130
        code = _interrupted()
        err_console.print("stopped" if code != 130 else "aborted")
    sys.exit(code)


def main() -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    handle_sigterm()  # like Ctrl+C: cleanup runs, children are stopped
    try:
        code = app(standalone_mode=False)  # without standalone mode, Exit(n) comes back as n
        if isinstance(code, int) and code:
            _exit(code)
    except MynaError as err:
        if state["debug"]:
            raise
        err_console.print(markup("[bold red]error:[/] {}", err), highlight=False)
        sys.exit(1)
    except typer.Exit as exc:
        _exit(exc.exit_code)
    except typer.Abort:
        _exit(130)
    except OSError as exc:  # unwritable output folder, full disk, file vanished mid-read
        if state["debug"]:
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        err_console.print(markup("[bold red]error:[/] {}{}", where, exc.strerror or exc),
                          highlight=False)
        sys.exit(1)
    except USAGE_ERRORS as exc:  # unknown option, missing or bad value
        exc.show()  # type: ignore[attr-defined]
        sys.exit(exc.exit_code)  # type: ignore[attr-defined]
    except KeyboardInterrupt:
        _exit(130)


if __name__ == "__main__":
    main()
