"""Shared Rich consoles, safe output of data, and the progress bar every long command uses.

The consoles parse no markup and show control characters escaped: a dataset named ``[/]``, a
label ``[/b]`` or a CSV header holding ``ESC [2J`` is printed as it is, never as styling or a
terminal command. Styled messages come from `markup`, which escapes the values it fills in."""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

# C0 controls but tab and newline, DEL, C1 controls (ESC starts terminal commands).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Control characters shown as ``\\x1b``-style escapes."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class SafeConsole(Console):
    def __init__(self, **kwargs: Any):
        super().__init__(markup=False, emoji=False, **kwargs)

    def render_str(self, text: str, **kwargs: Any) -> Text:
        kwargs["markup"] = False
        kwargs["emoji"] = False
        return super().render_str(printable(text), **kwargs)


def _safe(value: Any) -> Any:
    return value if isinstance(value, int | float) else escape(printable(str(value)))


def markup(template: str, *args: Any, **kwargs: Any) -> Text:
    """Our own Rich markup with ``{}`` fields filled by values that stay plain text."""
    return Text.from_markup(template.format(*map(_safe, args),
                                            **{k: _safe(v) for k, v in kwargs.items()}),
                            emoji=False)


console = SafeConsole()
# Messages on stderr are never hard-wrapped: an error naming a long path (`file:line`) stays on
# one line, whole for grep and copy-paste, whatever the width of a log or a terminal.
err_console = SafeConsole(stderr=True, soft_wrap=True)


def progress_bar(transient: bool = False) -> Progress:
    """Progress on stderr so piped stdout stays clean."""
    return Progress(
        TextColumn("{task.description}", markup=False, style="bold"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}", markup=False),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=transient,
    )
