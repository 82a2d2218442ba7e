"""User-facing errors: each says what was wrong and where."""

from __future__ import annotations


class MynaError(Exception):
    """An error caused by the user's input, reported without a traceback.

    ``where`` names the place (file, line, field) so the message can point at it.
    """

    def __init__(self, message: str, where: str | None = None, hint: str | None = None):
        self.message = message
        self.where = where
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text}\n{self.hint}" if self.hint else text


class InputError(MynaError):
    """A file, column, row or value the user gave cannot be read."""


class ModelNotFoundError(MynaError):
    """A model name or path does not resolve to an installed pipeline."""
