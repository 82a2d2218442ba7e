"""`myna data`: statistics, format conversion and train/dev splits for any supported file."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from myna.core.atomic import refuse_input_as_output
from myna.core.console import console, err_console, markup
from myna.data.cells import ReadReport
from myna.data.formats import FORMATS, detect_format, read_examples, write_examples
from myna.data.splits import train_dev_split
from myna.data.stats import compute_stats

app = typer.Typer(help="Inspect, convert and split datasets.", no_args_is_help=True)

TEXT_OPT = typer.Option("text", "--text-column", "-c", help="Text column (tables, JSONL).")
LABEL_OPT = typer.Option(None, "--label-column", "-l", help="Category column (tables).")
FORMAT_OPT = typer.Option(None, "--format", help=f"One of {', '.join(FORMATS)}.")


@app.command("stats")
def stats_command(
    file: Path = typer.Argument(..., help="Dataset file."),
    text_column: str = TEXT_OPT,
    label_column: str | None = LABEL_OPT,
    fmt: str | None = FORMAT_OPT,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of tables."),
) -> None:
    """Counts per label, text lengths and duplicates."""
    report = ReadReport()
    st = compute_stats(read_examples(file, fmt, text_column, label_column, report=report))
    if as_json:
        console.print_json(json.dumps(st.to_dict()))
        return
    summary = Table(title=f"{file}", title_justify="left", show_header=False)
    summary.add_row("examples", str(st.examples))
    summary.add_row("empty texts", str(st.empty))
    summary.add_row("duplicate texts", str(st.duplicates))
    for unit, values in (("chars", st.char_lengths), ("words", st.word_lengths)):
        s = st.length_summary(values)
        summary.add_row(f"length ({unit})", f"min {s['min']} · median {s['median']} · "
                                            f"mean {s['mean']} · max {s['max']}")
    console.print(summary)
    for title, counts in (("Span labels", st.span_labels), ("Categories", st.cat_labels)):
        if counts:
            table = Table(title=title, title_justify="left")
            table.add_column("Label")
            table.add_column("Count", justify="right")
            table.add_column("Share", justify="right")
            total = sum(counts.values())
            for label, n in counts.most_common():
                table.add_row(label, str(n), f"{n / total:.1%}")
            console.print(table)
    for text in st.duplicate_examples:
        console.print(markup("[dim]duplicate:[/] {}", text[:100]))


@app.command("convert")
def convert_command(
    source: Path = typer.Argument(..., help="Input file."),
    target: Path = typer.Argument(..., help="Output file; format from its extension."),
    text_column: str = TEXT_OPT,
    label_column: str | None = LABEL_OPT,
    from_format: str | None = typer.Option(None, "--from", help="Input format."),
    to_format: str | None = typer.Option(None, "--to", help="Output format."),
    scheme: str = typer.Option("bio", help="Tag scheme for CoNLL output: bio or iob1."),
) -> None:
    """Convert between CSV/TSV, JSONL, Prodigy JSONL, Parquet, CoNLL and spaCy DocBin."""
    detect_format(target, to_format)
    refuse_input_as_output(target, [source], "TARGET")
    examples = read_examples(source, from_format, text_column, label_column)
    n = write_examples(examples, target, to_format, scheme=scheme)
    err_console.print(f"wrote {n} example(s) to {target}")


@app.command("split")
def split_command(
    source: Path = typer.Argument(..., help="Input file."),
    out_dir: Path = typer.Option(..., "--out-dir", "-o", help="Folder for train and dev files."),
    dev: float = typer.Option(0.2, help="Share of examples for dev."),
    seed: int = typer.Option(0),
    to_format: str = typer.Option("jsonl", "--to", help="Output format (jsonl, spacy, ...)."),
    stratify: bool = typer.Option(True, help="Keep each label's share in both parts."),
    text_column: str = TEXT_OPT,
    label_column: str | None = LABEL_OPT,
    fmt: str | None = FORMAT_OPT,
) -> None:
    """Split a dataset into train and dev files."""
    if not 0 < dev < 1:
        raise typer.BadParameter("must be between 0 and 1", param_hint="--dev")
    ext = {"prodigy": "jsonl", "conll": "conll"}.get(to_format, to_format)
    detect_format(f"x.{ext}", to_format)
    train, dev_part = train_dev_split(
        read_examples(source, fmt, text_column, label_column), dev, seed, stratify)
    for name in ("train", "dev"):
        refuse_input_as_output(out_dir / f"{name}.{ext}", [source], "--out-dir")
    for name, part in (("train", train), ("dev", dev_part)):
        path = out_dir / f"{name}.{ext}"
        write_examples(part, path, to_format)
        err_console.print(f"wrote {len(part)} example(s) to {path}")
