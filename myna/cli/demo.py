"""`myna demo`: the workflow so far, on a sample corpus that ships with Myna."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import typer

from myna.cli.console import console
from myna.cli.render import entity_table
from myna.data.formats import read_examples
from myna.text.analyze import analyze
from myna.text.kb import build_from_csv
from myna.text.linker import EntityLinker


def sample_path(name: str) -> Path:
    return Path(str(resources.files("myna.resources").joinpath(name)))


def demo_command(
    model: str | None = typer.Option(None, "--model", "-m", help="spaCy pipeline name or path."),
    link: bool = typer.Option(True, help="Link organisations to the sample company KB."),
) -> None:
    """Analyse the bundled news sample and print its entities (linked to a small KB)."""
    corpus = sample_path("sample_news.jsonl")
    examples = list(read_examples(corpus))
    console.rule(f"[bold]1. Analyse {len(examples)} sample news texts ({corpus.name})")
    linker = None
    if link:
        kb, _ = build_from_csv(sample_path("companies.csv"), "ticker", "company",
                               desc_cols=["sector", "headquarters"], id_as_alias=True)
        linker = EntityLinker(kb)
        console.print(f"knowledge base: {len(kb)} companies from companies.csv")
    results = list(analyze(examples, only="ner,sents", model=model, link=linker))
    table, _ = entity_table(enumerate(results, start=1), title="Entities")
    console.print(table)
    n_ents = sum(len(ex.spans) for ex in results)
    n_linked = sum(1 for ex in results for s in ex.spans if s.kb_id)
    console.print(f"{n_ents} entities in {len(results)} texts; {n_linked} linked to the KB.")
    console.print("Next: [bold]myna analyze --help[/] · [bold]myna data stats FILE[/] · "
                  "[bold]myna kb build --help[/]")
