"""`myna kb`: build and inspect knowledge bases for entity linking."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from myna.core.atomic import refuse_input_as_output
from myna.core.console import console, err_console
from myna.text.kb import KnowledgeBase, build_from_csv

app = typer.Typer(help="Knowledge bases for entity linking.", no_args_is_help=True)


@app.command("build")
def build_command(
    from_csv: Path = typer.Option(..., "--from-csv", help="Table with one entity per row."),
    id_col: str = typer.Option(..., "--id-col", help="Column with the entity id."),
    name_col: str = typer.Option(..., "--name-col", help="Column with the entity name."),
    out: Path = typer.Option(..., "--out", "-o", help="KB file to write (.jsonl or .csv)."),
    type_: str = typer.Option("ORG", "--type", help="Entity type of every row."),
    type_col: str | None = typer.Option(None, "--type-col", help="Column with the type."),
    alias_col: str | None = typer.Option(None, "--alias-col",
                                         help="Column of extra aliases separated by '|'."),
    desc_cols: str | None = typer.Option(None, "--desc-cols",
                                         help="Comma list of columns that describe the entity."),
    generate_aliases: bool = typer.Option(True, help="Add short names (Apple for Apple Inc.)."),
    id_as_alias: bool = typer.Option(False, "--id-as-alias",
                                     help="Let ids of 2+ characters (tickers) match mentions."),
    encoding: str = typer.Option("utf-8", "--encoding", help="Encoding of the CSV."),
) -> None:
    """Build a knowledge base from a CSV, e.g. an S&P 500 list (ticker id, company name)."""
    if out.suffix.lower() not in (".jsonl", ".csv"):
        raise typer.BadParameter("must end in .jsonl or .csv", param_hint="--out")
    refuse_input_as_output(out, [from_csv])
    cols = [c.strip() for c in desc_cols.split(",")] if desc_cols else []
    kb, merged = build_from_csv(from_csv, id_col, name_col, type_=type_, type_col=type_col,
                                alias_col=alias_col, desc_cols=cols,
                                generate_aliases=generate_aliases, id_as_alias=id_as_alias,
                                encoding=encoding)
    kb.save(out)
    aliases = sum(len(e.aliases) for e in kb.entries.values())
    note = f", {merged} share-class duplicate(s) merged" if merged else ""
    err_console.print(f"wrote {len(kb)} entities with {aliases} generated aliases to {out}{note}")


@app.command("show")
def show_command(
    kb_file: Path = typer.Argument(..., help="Knowledge base file."),
    mention: str | None = typer.Argument(None, help="Show the candidates for this mention."),
    limit: int = typer.Option(20, help="Entries to list without a mention."),
) -> None:
    """List entries, or the candidates a mention would get."""
    kb = KnowledgeBase.from_file(kb_file)
    entries = kb.candidates(mention) if mention else list(kb.entries.values())[:limit]
    table = Table(title=f"{kb_file} ({len(kb)} entities)", title_justify="left")
    for col in ("id", "name", "aliases", "type", "description"):
        table.add_column(col)
    for e in entries:
        table.add_row(e.id, e.name, ", ".join(e.aliases), e.type, e.description[:80])
    console.print(table)
    if mention and not entries:
        console.print(f"no candidates for {mention!r}")
