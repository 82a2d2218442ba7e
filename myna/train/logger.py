"""A spaCy training logger that reports each evaluation to Myna (progress bar, MLflow).

spacy-loggers' MLflow logger logs every metric at step 0 and ends the run itself; Myna needs
per-step history and keeps the run open to add final scores, plots and the model.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import IO, Any

import spacy

Listener = Callable[[dict[str, Any]], None]
_listeners: list[Listener] = []


def add_listener(listener: Listener) -> None:
    _listeners.append(listener)


def clear_listeners() -> None:
    _listeners.clear()


@spacy.registry.loggers("myna.TrainingLogger.v1")
def training_logger():
    def setup(nlp, stdout: IO = sys.stdout, stderr: IO = sys.stderr):
        def log_step(info: dict[str, Any] | None) -> None:
            if info is None:
                return
            for listener in list(_listeners):
                listener(info)

        def finalize() -> None:
            return None

        return log_step, finalize

    return setup
