"""Options `myna serve` and `myna batch run` share: `--device` and `--precision` (their models
load in other processes — serve's workers, batch's processes and Spark executors — so they are
checked here and handed on as MYNA_DEVICE and MYNA_PRECISION, which every backend reads), and
the low-confidence review queue's `--review-below`, `--review-dataset`, `--review-db`."""

from __future__ import annotations

import os

import typer

DEVICE = typer.Option(None, "--device", help="Where transformer and from-scratch models run: "
                      "auto, cpu, cuda or cuda:N (default: MYNA_DEVICE, else auto: a GPU "
                      "when there is one). spaCy's own pipelines stay on the CPU.")
PRECISION = typer.Option(None, "--precision", help="auto, fp32, fp16 or bf16 (default: "
                         "MYNA_PRECISION, else auto: fp16 on a GPU, bf16 on CPUs with native "
                         "bf16, else fp32).")

REVIEW_BELOW = typer.Option(None, "--review-below",
                            help="Queue answers under this confidence in --review-dataset, the "
                                 "model's guess pre-filled, for people to correct.")
REVIEW_DATASET = typer.Option(None, "--review-dataset",
                              help="Annotation dataset of the review queue.")
REVIEW_DB = typer.Option(None, "--review-db", help="Its database (default: the settings').")


def apply_device(device: str | None, precision: str | None) -> dict[str, str]:
    """Check the choice on this machine (a GPU asked for where there is none stops here) and
    set it for this process and the ones it starts. Returns what was set."""
    from myna.models.hf_backend import resolve_device, resolve_precision

    chosen = {}
    if device is not None:
        resolve_device(device)
        chosen["MYNA_DEVICE"] = device
    if precision is not None:
        resolve_precision(resolve_device(device), precision)
        chosen["MYNA_PRECISION"] = precision
    os.environ.update(chosen)
    return chosen
