"""`myna doctor`: what this machine gives Myna (versions, CUDA, GPUs, a throughput check)."""

from __future__ import annotations

import json

import typer

from myna.core.console import console


def doctor_command(
    as_json: bool = typer.Option(False, "--json", help="One JSON object instead of tables."),
    throughput: bool = typer.Option(True, "--throughput/--no-throughput",
                                    help="Time matrix products on the CPU and each GPU "
                                         "(about a second)."),
) -> None:
    """Print Python and library versions, whether CUDA is usable, each GPU's name and memory,
    and a short throughput check. A machine without a GPU is reported, not an error."""
    from rich.table import Table

    from myna.models.machine_report import collect

    report = collect(throughput)
    if as_json:
        console.print_json(json.dumps(report.as_dict()))
        return
    facts = Table(title="Machine", show_header=False)
    facts.add_row("Python", report.python)
    facts.add_row("Platform", report.platform)
    facts.add_row("CPU cores", str(report.cpus))
    facts.add_row("Memory", f"{report.memory_gib} GiB")
    facts.add_row("CUDA (PyTorch build)", report.cuda_build or "none (CPU build)")
    facts.add_row("GPU", "yes" if report.cuda_usable else f"no GPU: {report.why_no_gpu}")
    facts.add_row("Myna's device, precision",
                  " ".join(filter(None, (report.myna_device, report.myna_precision))))
    console.print(facts)
    libraries = Table(title="Libraries")
    libraries.add_column("package")
    libraries.add_column("version")
    for name, version in report.libraries.items():
        libraries.add_row(name, version or "not installed")
    console.print(libraries)
    if report.gpus:
        gpus = Table(title="GPUs")
        for column in ("index", "name", "memory", "compute capability", "bf16"):
            gpus.add_column(column)
        for gpu in report.gpus:
            gpus.add_row(str(gpu.index), gpu.name, f"{gpu.memory_gib} GiB", gpu.capability,
                         "yes" if gpu.bf16 else "no")
        console.print(gpus)
    if report.gflops:
        speed = Table(title="Matrix-product throughput")
        speed.add_column("device/precision")
        speed.add_column("GFLOP/s", justify="right")
        for where, value in report.gflops.items():
            speed.add_row(where, f"{value:,.1f}")
        console.print(speed)
