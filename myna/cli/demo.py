"""`myna demo`: the workflow so far, on a sample corpus that ships with Myna."""

from __future__ import annotations

import typer


def demo_command(
    model: str | None = typer.Option(None, "--model", "-m", help="spaCy pipeline name or path."),
    link: bool = typer.Option(True, help="Link organisations to the sample company KB."),
) -> None:
    """The whole workflow on the bundled news sample: analyse and link, bootstrap TICKER
    labels, train, compare, register, serve and batch-score."""
    from myna.demo.run import run_demo

    run_demo(model, link)
