"""`myna jobs`: scheduled and watched `myna batch run` jobs, their history, and the scheduler."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from myna.cli.pairs import key_values
from myna.core.console import console, err_console, markup
from myna.core.errors import InputError

app = typer.Typer(help="Scheduled and file-triggered batch jobs.", no_args_is_help=True)
PASSTHROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}


def _store():
    """The job store, with jobs stored as arguments by Myna 0.1 migrated to requests."""
    from myna.batch.jobstore import JobStore
    from myna.core.db import get_engine

    store = JobStore(get_engine())
    store.migrate_requests(batch_request_of)
    return store


def batch_request_of(args: list[str], watched: bool) -> dict:
    """Parse the arguments as `myna batch run` would (a typo fails now, not at 3 a.m.) into
    the batch request the job stores."""
    from myna.cli import batch

    if not args:
        raise InputError("give the `myna batch run` arguments after `--`, e.g. "
                         "-- --column text --task ner --output out/{stem}.parquet")
    command = typer.main.get_command(batch.app)  # a one-command app is that command
    if hasattr(command, "get_command"):
        command = command.get_command(None, "run")
    probe = list(args)
    if watched and not {"--input", "-i"} & set(probe):
        probe = ["--input", "{file}", *probe]
    try:
        ctx = command.make_context("run", probe, resilient_parsing=False)
    except Exception as err:  # Typer ships its own click: match on the interface
        if not hasattr(err, "format_message"):
            raise
        raise InputError(f"batch arguments: {err.format_message()}") from None
    params = {k: v for k, v in ctx.params.items() if k != "report"}
    params["params"] = key_values(params.get("params") or [], "--param")
    params["input_columns"] = key_values(params.get("input_columns") or [], "--input-column")
    return batch.batch_request(**params).to_dict()


@app.command("add", context_settings=PASSTHROUGH)
def add_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Job name."),
    schedule: str = typer.Option(..., "--schedule", help="Cron schedule, e.g. '0 * * * *'."),
    retries: int = typer.Option(0, "--retries", help="Retries after a failed run."),
    backoff: float = typer.Option(30.0, "--backoff", help="Seconds before the first retry; "
                                                          "doubles each time."),
) -> None:
    """Run `myna batch run <args after -->` on a cron schedule."""
    from myna.batch.jobs import check_schedule, next_time
    from myna.batch.jobstore import Job, utcnow

    job = Job(name=name, kind="schedule", schedule=check_schedule(schedule),
              args=ctx.args, request=batch_request_of(ctx.args, watched=False), retries=retries,
              backoff_s=backoff)
    _store().add(job)
    err_console.print(f"added {name}; next run {next_time(job, utcnow()):%Y-%m-%d %H:%M} UTC "
                      "(while `myna jobs serve` runs)")


@app.command("watch", context_settings=PASSTHROUGH)
def watch_command(
    ctx: typer.Context,
    directory: Path = typer.Argument(..., help="Folder to watch."),
    pattern: str = typer.Option("*", "--pattern", help="Files that trigger a run, e.g. '*.csv'."),
    name: str | None = typer.Option(None, "--name", help="Job name (default: the folder's)."),
    retries: int = typer.Option(0, "--retries", help="Retries after a failed run."),
    backoff: float = typer.Option(30.0, "--backoff", help="Seconds before the first retry."),
) -> None:
    """Run `myna batch run --input NEW_FILE <args after -->` once for each new file."""
    from myna.batch.jobstore import Job

    if not directory.is_dir():
        raise InputError("no such folder", where=str(directory))
    job = Job(name=name or f"watch-{directory.resolve().name}", kind="watch",
              watch_dir=str(directory.resolve()), pattern=pattern,
              args=ctx.args, request=batch_request_of(ctx.args, watched=True), retries=retries,
              backoff_s=backoff)
    _store().add(job)
    err_console.print(f"added {job.name}: each new {pattern} in {job.watch_dir} runs once "
                      "(while `myna jobs serve` runs); files already there count as new")


def command_of(group: str, args: list[str], sub: str | None = None) -> list[str]:
    """Check ``args`` with `myna GROUP SUB`'s own parser (a typo fails now, not when the job
    runs) and return the command the job stores; without ``sub`` the first argument names
    it (`train textcat …`)."""
    from myna.cli.main import app as main_app

    if sub is None:
        if not args:
            raise InputError(f"give the `myna {group}` arguments after `--`")
        sub, args = args[0], args[1:]
    command = typer.main.get_command(main_app).get_command(None, group)  # type: ignore[attr-defined]
    command = command.get_command(None, sub) if command is not None else None
    if command is None:
        raise InputError(f"`myna {group}` has no command {sub!r}")
    try:
        command.make_context(sub, list(args), resilient_parsing=False)
    except Exception as err:  # Typer ships its own click: match on the interface
        if not hasattr(err, "format_message"):
            raise
        raise InputError(f"{group} {sub} arguments: {err.format_message()}") from None
    return [group, sub, *args]


@app.command("monitor", context_settings=PASSTHROUGH)
def monitor_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Job name."),
    schedule: str = typer.Option(..., "--schedule", help="Cron schedule, e.g. '0 6 * * *'."),
    then: str | None = typer.Option(None, "--then", help="A job to run when drift is found "
                                                         "(e.g. one made by `myna jobs "
                                                         "train`)."),
    retries: int = typer.Option(0, "--retries", help="Retries after a failed check."),
) -> None:
    """Run `myna monitor check <args after -->` on a schedule; on drift (its exit code 3) the
    run is recorded as "drift" and the --then job runs. `{date}` in the arguments is the due
    date (data/{date}.csv, --report drift/{date})."""
    from myna.batch.jobs import check_schedule, next_time
    from myna.batch.jobstore import Job, utcnow

    request = {"command": command_of("monitor", ctx.args, "check"), "on_drift": then}
    job = Job(name=name, kind="schedule", schedule=check_schedule(schedule), args=ctx.args,
              request=request, retries=retries)
    store = _store()
    if then:
        store.get(then)  # the job to trigger must exist
    store.add(job)
    err_console.print(f"added {name}; next check {next_time(job, utcnow()):%Y-%m-%d %H:%M} "
                      f"UTC{f'; on drift: {then}' if then else ''}")


@app.command("train", context_settings=PASSTHROUGH)
def train_job_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Job name."),
    schedule: str | None = typer.Option(None, "--schedule",
                                        help="Cron schedule (default: none; the job runs when "
                                             "a drift check triggers it, or `myna jobs run`)."),
    retries: int = typer.Option(0, "--retries", help="Retries after a failed run."),
) -> None:
    """A retraining job: `myna train <args after -->` (e.g. -- textcat data.csv -l label -o
    models/{date}), run on a schedule, by a drift check's --then, or by `myna jobs run`."""
    from myna.batch.jobs import check_schedule
    from myna.batch.jobstore import Job

    job = Job(name=name, kind="schedule" if schedule else "manual",
              schedule=check_schedule(schedule) if schedule else None, args=ctx.args,
              request={"command": command_of("train", ctx.args)}, retries=retries)
    _store().add(job)
    err_console.print(f"added {name}" + ("" if schedule else
                                         " (runs when triggered or with `myna jobs run`)"))


@app.command("list")
def list_command() -> None:
    """Jobs, what triggers them, when they run next and how their last run went."""
    from myna.batch.jobs import next_time
    from myna.batch.jobstore import utcnow

    store = _store()
    table = Table("job", "trigger", "next run (UTC)", "retries", "last run", "command")
    for job in store.jobs():
        trigger = (f"cron {job.schedule}" if job.kind == "schedule"
                   else f"files {job.pattern} in {job.watch_dir}" if job.kind == "watch"
                   else "when triggered")
        if job.request and job.request.get("on_drift"):
            trigger += f"; on drift: {job.request['on_drift']}"
        nxt = next_time(job, utcnow())
        last = store.last_run(job.name)
        table.add_row(job.name, trigger, f"{nxt:%Y-%m-%d %H:%M}" if nxt else
                      "on new file" if job.kind == "watch" else "—",
                      str(job.retries),
                      f"{last.status} {last.started_at:%Y-%m-%d %H:%M}" if last else "never",
                      " ".join(job.request["command"] if job.request and "command"
                               in job.request else job.args))
    console.print(table if table.rows else "no jobs; add one with `myna jobs add` or "
                                           "`myna jobs watch`")


@app.command("history")
def history_command(
    name: str | None = typer.Argument(None, help="Only this job."),
    limit: int = typer.Option(20, "--limit", "-n", help="Most recent runs to show."),
) -> None:
    """Past runs: when, what triggered them, attempt, status, rows and errors."""
    table = Table("run", "job", "trigger", "attempt", "status", "started (UTC)", "seconds",
                  "rows", "failed rows", "error")
    for run in _store().history(name, limit):
        seconds = (run.ended_at - run.started_at).total_seconds() if run.ended_at else None
        trigger = run.trigger + (f" {Path(run.file).name}" if run.file else "")
        table.add_row(str(run.id), run.job, trigger, str(run.attempt), run.status,
                      f"{run.started_at:%Y-%m-%d %H:%M:%S}",
                      f"{seconds:.1f}" if seconds is not None else "",
                      "" if run.rows is None else f"{run.rows:,}",
                      "" if run.failed_rows is None else f"{run.failed_rows:,}",
                      (run.error or "")[:200])
    console.print(table if table.rows else "no runs yet")


@app.command("run")
def run_command(name: str = typer.Argument(..., help="Job to run now.")) -> None:
    """Run a job now, in the foreground, with its retries (a watch job: its new files)."""
    import uuid

    from myna.batch.jobs import Claim, Scheduler, execute

    store = _store()
    job = store.get(name)
    if job.kind == "watch":
        claims = Scheduler(store).tick(only=name)
        if not claims:
            err_console.print(f"no new files for {name}")
    else:
        slot = f"manual:{uuid.uuid4().hex}"
        claims = [Claim(job, slot, "manual", store.claim(name, slot, "manual"))]
    statuses = []
    for claim in claims:
        err_console.print(f"running {name}" + (f" for {claim.file}" if claim.file else ""))
        statuses.append(execute(store, claim))
    last = store.history(name, limit=max(len(claims), 1))
    for run in reversed(last[: len(claims)]):
        colour = {"succeeded": "green", "drift": "yellow"}.get(run.status, "red")
        err_console.print(markup(f"[{colour}]{{}}[/] run {{}}: {{}} rows{{}}", run.status,
                                 run.id, run.rows if run.rows is not None else "-",
                                 f"; {run.error}" if run.error else ""), highlight=False)
    if "failed" in statuses:
        raise typer.Exit(1)


@app.command("remove")
def remove_command(name: str = typer.Argument(..., help="Job to remove.")) -> None:
    """Remove a job (its history stays)."""
    _store().remove(name)
    err_console.print(f"removed {name}")


@app.command("serve")
def serve_command(
    poll: float = typer.Option(5.0, "--poll", help="Seconds between checks."),
    workers: int = typer.Option(2, "--workers", help="Runs at the same time."),
    once: bool = typer.Option(False, "--once", help="Run what is due now, wait, and exit "
                                                    "(for a system cron)."),
) -> None:
    """The scheduler: runs due jobs and new files until stopped (Ctrl-C)."""
    from myna.batch.jobs import Scheduler

    scheduler = Scheduler(_store(), poll_s=poll, workers=workers)
    err_console.print(f"scheduler up; checking every {poll:g}s" if not once else "checking once")

    def announce(claim) -> None:
        what = f"file {claim.file}" if claim.file else f"due {claim.slot}"
        err_console.print(f"run {claim.run_id}: {claim.job.name} ({what})", highlight=False)

    try:
        scheduler.serve(once=once, on_claim=announce)
    except KeyboardInterrupt:  # Ctrl+C or SIGTERM: the running batch runs were stopped too
        err_console.print("stopped; running jobs were sent SIGTERM and recorded as failed")
        raise
