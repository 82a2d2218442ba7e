"""`myna attention show`: attention heat maps of a transformer over a text."""

from __future__ import annotations

from pathlib import Path

import typer

from myna.core.console import console, err_console

app = typer.Typer(help="Look at what a transformer's heads attend to.", no_args_is_help=True)


@app.command("show")
def show_command(
    model: str = typer.Argument(..., help="minilm, a Hugging Face model folder, or a Myna "
                                          "transformer or transformer-scratch model."),
    text: str = typer.Argument(...),
    layer: int | None = typer.Option(None, "--layer", help="Default: the last."),
    head: int | None = typer.Option(None, "--head", help="Default: every head of the layer."),
    out: Path | None = typer.Option(None, "--html", help="Write the heat maps here."),
) -> None:
    """Each query token's most attended token per head; --html draws the full maps."""
    from myna.core.atomic import atomic_path
    from myna.evaluate.attention import attention_maps, render_html

    maps = attention_maps(model, text)
    for number, h, grid in maps.pick(layer, head):
        pairs = ", ".join(f"{q}→{maps.keys[int(row.argmax())]}"
                          for q, row in zip(maps.queries, grid, strict=True))
        console.print(f"layer {number} head {h}: {pairs}", highlight=False, markup=False,
                      soft_wrap=True)
    if out is not None:
        with atomic_path(out) as tmp:
            tmp.write_text(render_html(maps, layer, head), encoding="utf-8")
        err_console.print(f"heat maps → {out}", highlight=False)
