"""The reference profile a training run leaves inside its model (`myna.monitor`), made on
the texts the model did not learn from, so its confidences are the ones new data will get."""

from __future__ import annotations

from pathlib import Path

from myna.core.console import err_console, markup
from myna.core.errors import MynaError
from myna.core.example import Example
from myna.models.base import PROFILE_DIR

MIN_HELD_OUT = 200  # fewer held-out texts than this: profile the training texts as well


def profile_texts(train: list[Example], held_out: list[Example]) -> tuple[list[str], str]:
    """The held-out texts when there are enough; else all of them, said so (a model is more
    confident on what it learned from, so such a profile makes confidence drift likelier)."""
    if len(held_out) >= MIN_HELD_OUT:
        return [e.text for e in held_out], f"the held-out {len(held_out):,} training texts"
    texts = [e.text for e in (*held_out, *train)]
    return texts, (f"all {len(texts):,} training texts (only {len(held_out)} held out; "
                   "confidences read high)")


def write_profile(model_dir: Path, train: list[Example], held_out: list[Example],
                  task: str) -> str:
    """Write ``model_dir/reference_profile``; a failure is a warning, never a lost model.
    Returns what was done, in words (an MLflow tag)."""
    from myna.models import load
    from myna.monitor.profile import build_profile

    texts, source = profile_texts(train, held_out)
    try:
        with err_console.status("writing the reference profile for drift checks …"):
            profile = build_profile(load(str(model_dir)), texts, source, task)
            profile.save(model_dir / PROFILE_DIR)
    except (MynaError, OSError) as err:
        err_console.print(markup("[yellow]warning:[/] no reference profile written ({}); "
                                 "`myna monitor profile` can write one later", err),
                          highlight=False)
        return f"not written: {err}"
    return f"{profile.task} on {source}"
