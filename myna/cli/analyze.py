"""`myna analyze`: tokens, POS, dependencies, lemmas, noun chunks, sentences and entities."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import typer

from myna.core.console import console, err_console, markup, progress_bar
from myna.core.errors import InputError
from myna.core.example import Example
from myna.data.cells import ReadReport
from myna.data.formats import detect_format, existing_file, read_examples
from myna.data.tabular import count_rows
from myna.text.features import DEFAULT_BATCH_SIZE, FEATURES, TOKEN_FEATURES, parse_features
from myna.text.linker import DEFAULT_THRESHOLD, EntityLinker

TABLE_DOCS = 20  # print full per-document tables up to this many documents
ENTITY_ROWS = 200  # entity rows shown in the terminal for bigger inputs
HTML_DOCS = 100
PARALLEL_FROM = 2000  # rows from which a file is analysed on every core by default


def analyze_command(
    text: str | None = typer.Argument(None, help="Text to analyse (omit to use --file or stdin)."),
    file: Path | None = typer.Option(None, "--file", "-f", help="CSV/TSV/JSONL/Parquet input."),
    column: str = typer.Option("text", "--column", "-c", help="Text column of --file."),
    fmt: str | None = typer.Option(None, "--format", help="Input format if not by extension."),
    only: str | None = typer.Option(
        None, "--only", help=f"Comma list of: {', '.join(FEATURES)} (default: all)."),
    model: str | None = typer.Option(None, "--model", "-m", help="spaCy pipeline: a name, a "
                                                                  "folder or models:/…, runs:/…"),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write .jsonl, .csv or .parquet."),
    html: Path | None = typer.Option(None, "--html", help="Write displaCy pages to this folder."),
    link: Path | None = typer.Option(None, "--link", help="Knowledge base to link entities to."),
    threshold: float = typer.Option(DEFAULT_THRESHOLD, help="Minimum link score."),
    n_process: int = typer.Option(0, "--n-process", "-j", min=0,
                                  help="Worker processes; 0 = all cores for large inputs."),
    batch_size: int = typer.Option(DEFAULT_BATCH_SIZE, "--batch-size", min=1),
    encoding: str = typer.Option("utf-8", "--encoding", help="Encoding of --file."),
    skip_bad_rows: bool = typer.Option(False, "--skip-bad-rows",
                                       help="Report and skip unreadable rows instead of stopping."),
) -> None:
    """Analyse text with a spaCy pipeline, running only the components --only needs."""
    features = parse_features(only)
    if link is not None:
        features |= {"ner"}
    if out is not None:
        from myna.core.atomic import refuse_input_as_output
        from myna.text.output import output_format

        output_format(out)
        refuse_input_as_output(out, [file, link])
    linker = EntityLinker.from_file(link, threshold=threshold) if link is not None else None
    report = ReadReport()
    inputs, total = _inputs(text, file, column, fmt, encoding, report, skip_bad_rows)
    if n_process <= 0:
        n_process = 0 if total is not None and total >= PARALLEL_FROM else 1
    from myna.text.analyze import analyze

    if model is not None:  # any reference: a folder, a name, models:/…, runs:/…
        from myna.models import spacy_location

        model = spacy_location(model)
    results = analyze(inputs, only=features, model=model, n_process=n_process,
                      batch_size=batch_size, link=linker)
    started = time.perf_counter()
    if out is not None:
        count, shown = _write(results, out, features, total, html is not None)
    else:
        shown = _print(results, features)
        count = len(shown)
    if html is not None:
        from myna.text.html import write_html

        has_deps = bool({"dep"} & features)
        for page in write_html(shown[:HTML_DOCS], html, dependencies=has_deps):
            err_console.print(f"wrote {page}")
    if report.summary():
        err_console.print(markup("[yellow]note:[/] {}", report.summary()))
    if out is not None:
        elapsed = time.perf_counter() - started
        err_console.print(f"analysed {count} text(s) in {elapsed:.1f}s "
                          f"({count / max(elapsed, 1e-9):.0f} docs/s) → {out}")


def _inputs(text: str | None, file: Path | None, column: str, fmt: str | None, encoding: str,
            report: ReadReport, skip_bad_rows: bool) -> tuple[Iterator[Example], int | None]:
    if text is not None and file is not None:
        raise InputError("give either TEXT or --file, not both")
    if text is not None:
        return iter([Example(text=text)]), 1
    if file is not None:
        path = existing_file(file)
        kind = detect_format(path, fmt)
        if kind in ("conll", "spacy"):
            raise InputError("analyze reads CSV, TSV, JSONL or Parquet", where=str(path))
        return (read_examples(path, kind, text_column=column, encoding=encoding, report=report,
                              skip_bad_rows=skip_bad_rows), count_rows(path, kind))
    if sys.stdin.isatty():
        raise InputError("nothing to analyse: give TEXT, --file FILE, or pipe text on stdin")
    lines = (line.rstrip("\n") for line in sys.stdin)
    return (Example(text=line, meta={"line": n})
            for n, line in enumerate(lines, start=1) if line.strip()), None


def _write(results: Iterator[Example], out: Path, features: frozenset[str], total: int | None,
           keep: bool) -> tuple[int, list[Example]]:
    from myna.text.output import AnalysisWriter

    kept: list[Example] = []
    with progress_bar() as progress, AnalysisWriter(out, features) as writer:
        task = progress.add_task("analyse", total=total, rate="")
        t0 = time.perf_counter()
        for ex in results:
            writer.write(ex)
            if keep and len(kept) < HTML_DOCS:
                kept.append(ex)
            if writer.count % 500 == 0:
                rate = writer.count / max(time.perf_counter() - t0, 1e-9)
                progress.update(task, completed=writer.count, rate=f"{rate:.0f} docs/s")
        progress.update(task, completed=writer.count)
    return writer.count, kept


def _print(results: Iterator[Example], features: frozenset[str]) -> list[Example]:
    from myna.text.render import entity_table, span_list_table, token_table

    docs = list(results)
    if len(docs) <= TABLE_DOCS:
        for n, ex in enumerate(docs, start=1):
            if len(docs) > 1:
                console.rule(f"#{n}: {ex.text[:60]}")
            if features & TOKEN_FEATURES:
                console.print(token_table(ex))
            if "noun_chunks" in features:
                console.print(span_list_table(ex, ex.noun_chunks or [], "Noun chunks"))
            if "sents" in features:
                console.print(span_list_table(ex, ex.sents or [], "Sentences"))
            if "ner" in features:
                console.print(entity_table([(n, ex)], show_doc=False)[0])
        return docs
    if "ner" in features:
        table, left_out = entity_table(enumerate(docs, start=1), limit=ENTITY_ROWS)
        console.print(table)
        if left_out:
            console.print(f"… {left_out} more entities; use --out to write them all")
    console.print(f"{len(docs)} documents analysed")
    return docs
