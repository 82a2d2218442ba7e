"""`myna annotate RECIPE DATASET SOURCE`: start the annotation server for a recipe.
The data commands (db-in, db-out, stats, list, drop, agreement) are in `annotate_db`."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from myna.annotate.recipes import Recipe
    from myna.annotate.store import Dataset, Store
from myna.core.console import err_console, markup, progress_bar
from myna.core.errors import InputError
from myna.core.settings import get_settings

app = typer.Typer(help="Annotate texts in the browser; datasets live in a SQL store.",
                  no_args_is_help=True)

def open_store(db: str | None) -> Store:
    """The annotation store (SQLAlchemy loads on first use, not with `myna --help`)."""
    from myna.annotate.database import open_store as open_database

    return open_database(db)


def parse_labels(value: str | list[str] | None, where: str = "--label") -> list[str]:
    from myna.annotate.recipes import parse_labels as parse

    return parse(value, where)


DATASET = typer.Argument(..., help="Dataset the answers go to (created if needed).")
SOURCE = typer.Argument(None, help="Texts to annotate: JSONL, Prodigy JSONL, CSV/TSV (a text "
                                   "column), Parquet; added to the dataset's queue. Leave it "
                                   "out to go on with the texts the dataset has.")
LABEL = typer.Option(None, "--label", "-l", help="Comma-separated labels.")
MODEL = typer.Option(None, "--model", "-m", help="spaCy pipeline name or folder.")
DB = typer.Option(None, "--db", help="Database URL (default: MYNA_DATABASE_URL or SQLite in "
                                     "MYNA_HOME), e.g. postgresql://user@host/myna.")
HOST = typer.Option("127.0.0.1", "--host", help="Address to listen on.")
PORT = typer.Option(8080, "--port", "-p")
PASSWORD = typer.Option(None, "--password", envvar="MYNA_ANNOTATE_PASSWORD",
                        help="Require this password (HTTP Basic, any user name); better set "
                             "MYNA_ANNOTATE_PASSWORD: a command line is visible in `ps`.")
ALLOWED_HOST = typer.Option([], "--allowed-host",
                            help="Host name annotators use to reach the server (repeatable); "
                                 "beyond loopback, any name unless this is given.")
CLAIM_MINUTES = typer.Option(30.0, "--claim-minutes",
                             help="With --no-overlap: a text served and not answered this long "
                                  "goes to the next annotator who asks (0: never).")
MIN_PASSWORD = 12
KEY_FILE = typer.Option(None, "--api-key-file",
                        help="API keys, one per line (also MYNA_API_KEYS).")
OVERLAP = typer.Option(True, "--overlap/--no-overlap",
                       help="Every session sees every text (for agreement), or each text goes "
                            "to one session only.")
TEXT_COL = typer.Option("text", "--text-column", "-c")
SKIP_INVALID = typer.Option(False, "--skip-invalid", help="Skip bad source rows and go on.")


def row_total(path: Path) -> int | None:
    """Rows in the file for the progress bar (None where counting needs a full parse)."""
    from myna.data.formats import detect_format
    from myna.data.tabular import count_rows

    try:
        return count_rows(path, detect_format(path))
    except (InputError, OSError):
        return None  # the import itself reports what is wrong with the file


def import_source(store: Store, dataset: str, recipe: Recipe, source: Path,
                  text_column: str, skip_invalid: bool, model: str | None = None) -> None:
    from myna.annotate.imports import import_file

    with progress_bar(transient=True) as progress:
        task = progress.add_task(f"queue {source.name}", total=row_total(source), rate="")
        summary = import_file(store, dataset, source, kind=recipe.kind, labels=recipe.labels,
                              exclusive=recipe.exclusive, model=model, text_column=text_column,
                              as_answers=False, skip_invalid=skip_invalid,
                              on_rows=lambda n: progress.update(task, completed=n))
    err_console.print(f"{source}: {summary.added} new text(s) queued, {summary.duplicates} "
                      "already in the dataset")
    for problem in summary.skipped[:5]:
        err_console.print(markup("[yellow]skipped:[/] {}", problem), highlight=False)


@dataclass
class ServerOptions:
    """How an annotation server listens and who may use it, checked before any slow work."""

    host: str
    port: int
    password: str | None
    keys: list[str]
    allowed_hosts: list[str]
    claim_ttl: timedelta | None


def server_options(host: str, port: int, password: str | None, api_key_file: Path | None,
                   allowed_host: list[str], claim_minutes: float = 30.0) -> ServerOptions:
    """Refuses (before any slow work) to listen beyond loopback unprotected, a short
    password, and a negative claim time; warns about a password on the command line."""
    from myna.core.web.auth import is_loopback, load_keys
    from myna.core.web.hosts import allowed_hosts_for

    keys = load_keys(api_key_file)
    if not is_loopback(host) and not keys and not password:
        raise InputError(f"refusing to serve annotations on {host} without --password or API "
                         "keys: anyone who can reach it could read and change the data; bind "
                         "to 127.0.0.1 or set one")
    if password is not None:
        if len(password) < MIN_PASSWORD:
            raise InputError(f"the password has {len(password)} characters; use at least "
                             f"{MIN_PASSWORD}", where="--password")
        if any(a == "--password" or a.startswith("--password=") for a in sys.argv):
            err_console.print(markup("[yellow]warning:[/] --password is visible to other users "
                                     "of this machine (ps); set MYNA_ANNOTATE_PASSWORD "
                                     "instead"))
    if claim_minutes < 0:
        raise InputError("must not be negative", where="--claim-minutes")
    return ServerOptions(host, port, password, keys, allowed_hosts_for(host, allowed_host),
                         timedelta(minutes=claim_minutes) if claim_minutes else None)


def serve(store: Store, ds: Dataset, recipe: Recipe, options: ServerOptions) -> None:
    from myna.annotate.server import create_app
    from myna.annotate.service import AnnotationService
    from myna.core.web import server as http

    service = AnnotationService(store, ds, recipe, claim_ttl=options.claim_ttl)
    app = create_app(service, password=options.password, keys=options.keys,
                     allowed_hosts=options.allowed_hosts)
    shown = "127.0.0.1" if options.host in ("0.0.0.0", "::") else options.host
    err_console.print(markup("[bold]{}[/] on dataset {}: open http://{}:{}/?session=NAME "
                             "(Ctrl+C to stop)", recipe.name, repr(ds.name), shown,
                             options.port))
    http.run(app, options.host, options.port, log_level=get_settings().log_level)


def _start(recipe: Recipe, dataset: str, source: Path | None, db: str | None,
           options: ServerOptions, text_column: str, skip_invalid: bool,
           model: str | None = None) -> None:
    store = open_store(db)
    if source is None and dataset not in {d.name for d in store.datasets()}:
        raise InputError(f"dataset {dataset!r} does not exist yet; give a SOURCE file with "
                         "the texts to annotate")
    store.ensure_dataset(dataset, recipe.kind, recipe.labels, recipe.exclusive)
    if source is not None:
        import_source(store, dataset, recipe, source, text_column, skip_invalid, model)
    serve(store, store.dataset(dataset), recipe, options)


@app.command("ner.manual")
def ner_manual_command(
    dataset: str = DATASET, source: Path | None = SOURCE, label: str = LABEL, model: str = MODEL,
    patterns: Path | None = typer.Option(None, "--patterns", help="EntityRuler patterns "
                                         "(JSONL) that pre-highlight matches."),
    db: str | None = DB, host: str = HOST, port: int = PORT, password: str | None = PASSWORD,
    api_key_file: Path | None = KEY_FILE, allowed_host: list[str] = ALLOWED_HOST,
    overlap: bool = OVERLAP, claim_minutes: float = CLAIM_MINUTES,
    text_column: str = TEXT_COL, skip_invalid: bool = SKIP_INVALID,
) -> None:
    """Highlight entity spans by hand (tokens from the model's tokenizer)."""
    from myna.annotate.recipes.ner import ner_manual

    options = server_options(host, port, password, api_key_file, allowed_host, claim_minutes)
    recipe = ner_manual(parse_labels(label), model, patterns, overlap)
    _start(recipe, dataset, source, db, options, text_column, skip_invalid, model)


@app.command("ner.correct")
def ner_correct_command(
    dataset: str = DATASET, source: Path | None = SOURCE,
    model: str = typer.Option(..., "--model", "-m", help="spaCy pipeline with NER."),
    label: str = LABEL, db: str | None = DB, host: str = HOST, port: int = PORT,
    password: str | None = PASSWORD, api_key_file: Path | None = KEY_FILE,
    allowed_host: list[str] = ALLOWED_HOST, overlap: bool = OVERLAP,
    claim_minutes: float = CLAIM_MINUTES, text_column: str = TEXT_COL,
    skip_invalid: bool = SKIP_INVALID,
) -> None:
    """Correct the model's entities (pre-filled); labels default to the model's."""
    from myna.annotate.recipes.ner import ner_correct

    options = server_options(host, port, password, api_key_file, allowed_host, claim_minutes)
    recipe = ner_correct(model, parse_labels(label), overlap)
    _start(recipe, dataset, source, db, options, text_column, skip_invalid, model)


@app.command("textcat.manual")
def textcat_manual_command(
    dataset: str = DATASET, source: Path | None = SOURCE, label: str = LABEL,
    exclusive: bool = typer.Option(False, "--exclusive", help="One category per text."),
    db: str | None = DB, host: str = HOST, port: int = PORT, password: str | None = PASSWORD,
    api_key_file: Path | None = KEY_FILE, allowed_host: list[str] = ALLOWED_HOST,
    overlap: bool = OVERLAP, claim_minutes: float = CLAIM_MINUTES,
    text_column: str = TEXT_COL, skip_invalid: bool = SKIP_INVALID,
) -> None:
    """Pick each text's categories (single choice with --exclusive)."""
    from myna.annotate.recipes.textcat import textcat_manual

    options = server_options(host, port, password, api_key_file, allowed_host, claim_minutes)
    recipe = textcat_manual(parse_labels(label), exclusive, overlap)
    _start(recipe, dataset, source, db, options, text_column, skip_invalid)


@app.command("textcat.correct")
def textcat_correct_command(
    dataset: str = DATASET, source: Path | None = SOURCE,
    model: str = typer.Option(..., "--model", "-m", help="A text classifier: a pipeline, a "
                              "Hugging Face classifier, or zero-shot:LABEL,LABEL,…"),
    label: str | None = typer.Option(None, "--label", "-l", help="Categories (default: the "
                                     "model's)."),
    exclusive: bool = typer.Option(True, "--exclusive/--multilabel"),
    db: str | None = DB, host: str = HOST, port: int = PORT, password: str | None = PASSWORD,
    api_key_file: Path | None = KEY_FILE, allowed_host: list[str] = ALLOWED_HOST,
    overlap: bool = OVERLAP, claim_minutes: float = CLAIM_MINUTES,
    text_column: str = TEXT_COL, skip_invalid: bool = SKIP_INVALID,
) -> None:
    """Pick each text's categories, starting from the model's guess (zero-shot works)."""
    from myna.annotate.recipes.textcat import textcat_correct

    options = server_options(host, port, password, api_key_file, allowed_host, claim_minutes)
    recipe = textcat_correct(model, parse_labels(label) if label else [], exclusive, overlap)
    _start(recipe, dataset, source, db, options, text_column, skip_invalid)


@app.command("textcat.teach")
def textcat_teach_command(
    dataset: str = DATASET, source: Path | None = SOURCE,
    model: str = typer.Option(..., "--model", "-m", help="spaCy pipeline; a classifier is "
                              "added when it has none."),
    label: str = LABEL,
    exclusive: bool = typer.Option(True, "--exclusive/--multilabel"),
    update_every: int = typer.Option(10, "--update-every", help="Update the model after this "
                                     "many answers."),
    window: int = typer.Option(32, "--window", help="Texts scored to pick the least sure."),
    db: str | None = DB, host: str = HOST, port: int = PORT, password: str | None = PASSWORD,
    api_key_file: Path | None = KEY_FILE, allowed_host: list[str] = ALLOWED_HOST,
    overlap: bool = OVERLAP, claim_minutes: float = CLAIM_MINUTES,
    text_column: str = TEXT_COL, skip_invalid: bool = SKIP_INVALID,
) -> None:
    """Active learning: accept or reject the label the model is least sure of."""
    from myna.annotate.recipes.textcat import textcat_teach

    options = server_options(host, port, password, api_key_file, allowed_host, claim_minutes)
    recipe = textcat_teach(model, parse_labels(label), exclusive, update_every, window,
                           overlap)
    _start(recipe, dataset, source, db, options, text_column, skip_invalid)


@app.command("review")
def review_command(
    output: str = typer.Argument(..., help="Dataset for the final answers."),
    inputs: list[str] = typer.Argument(..., help="Dataset(s) to review; with one dataset, "
                                                 "its sessions are compared."),
    show_all: bool = typer.Option(False, "--all", help="Review texts everyone agreed on too."),
    model: str = MODEL, db: str | None = DB, host: str = HOST, port: int = PORT,
    password: str | None = PASSWORD, api_key_file: Path | None = KEY_FILE,
    allowed_host: list[str] = ALLOWED_HOST,
) -> None:
    """See where annotators disagree and pick the final answer."""
    from myna.annotate.recipes.review import prepare_review, review_recipe

    options = server_options(host, port, password, api_key_file, allowed_host)
    store = open_store(db)
    ds, to_review, auto = prepare_review(store, output, inputs, show_all)
    err_console.print(f"{to_review} text(s) to review; {auto} where all agreed were copied "
                      f"to {output!r}")
    serve(store, ds, review_recipe(ds, model), options)
