"""One batch run, whatever the engine: every check that can stop the job happens before any
row is read, then the engine runs and a summary comes back."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from myna.batch.model_spec import ModelSpec, load_batch_model
from myna.batch.output import Existing, check_spark_target, local_output, should_write
from myna.batch.review import open_review, queue_unsure
from myna.batch.summary import BatchSummary
from myna.core.atomic import refuse_input_as_output
from myna.core.errors import InputError

ENGINES = ("local", "spark")


@dataclass
class BatchRequest:
    input: str
    output: str
    column: str = "text"
    task: str = "ner"
    model: str | None = None
    engine: str = "local"
    master: str | None = None
    partitions: int | None = None
    fmt: str | None = None
    encoding: str = "utf-8"
    kb: str | None = None
    n_process: int = 0  # local engine; 0 = one per core
    batch_size: int = 64
    max_chars: int | None = None
    existing: Existing = Existing.error
    ship_model: bool = True
    params: dict[str, Any] = field(default_factory=dict)  # the task's parameters
    # A record task's fields → input columns (unnamed fields: the column of the same name)
    input_columns: dict[str, str] = field(default_factory=dict)
    # Spark only: add this column with each input row's number from 1 (Spark's output keeps
    # no row order; the local engine writes rows in input order)
    row_numbers: str | None = None
    device: str | None = None  # MYNA_DEVICE for the model's processes (Spark: executors')
    precision: str | None = None  # MYNA_PRECISION likewise
    review_below: float | None = None  # queue answers under this confidence for review …
    review_dataset: str | None = None  # … in this annotation dataset
    review_db: str | None = None  # … of this database (None: the settings')

    @property
    def spec(self) -> ModelSpec:
        from myna.tasks.params import params_key

        return ModelSpec(self.model, self.task, self.kb, self.max_chars, self.batch_size,
                         params_key(self.params))

    def task_takes_text(self) -> bool:
        from myna.tasks import get_task

        return get_task(self.task).takes_text

    @property
    def device_env(self) -> dict[str, str]:
        """The environment the model's processes get (`--device`, `--precision`)."""
        return {name: value for name, value in (("MYNA_DEVICE", self.device),
                                                ("MYNA_PRECISION", self.precision)) if value}

    def fields(self) -> dict[str, str] | None:
        """Field → column for a record task (None: a text task reads ``column``)."""
        from myna.tasks import get_task

        task = get_task(self.task)
        if task.takes_text:
            if self.input_columns:
                raise InputError(f"task {task.name!r} reads one text column (--column), not "
                                 "--input-column")
            return None
        unknown = sorted(set(self.input_columns) - set(task.input.names))
        if unknown:
            raise InputError(f"task {task.name!r} has no input field {', '.join(unknown)} "
                             f"(its fields: {', '.join(task.input.names)})")
        return {name: self.input_columns.get(name, name) for name in task.input.names}

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values: what a stored job keeps (not the CLI's flags, which may change)."""
        out = asdict(self)
        out["existing"] = self.existing.value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = "batch request") -> BatchRequest:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(f"unknown field(s) {', '.join(unknown)}", where=where)
        try:
            values = {**data, "existing": Existing(data.get("existing", "error"))}
            return cls(**values)
        except (TypeError, ValueError) as err:
            raise InputError(str(err), where=where) from None

    def filled(self, values: dict[str, str]) -> BatchRequest:
        """``{file}``, ``{date}`` and the like replaced in every text field (only these names:
        other braces, such as globs, pass through untouched)."""
        out = {}
        for key, value in self.to_dict().items():
            if isinstance(value, str):
                for name, text in values.items():
                    value = value.replace("{" + name + "}", text)
            out[key] = value
        return BatchRequest.from_dict(out)


Progress = Callable[[int, int | None], None]  # (done, total): rows locally, tasks on Spark


def run_batch(request: BatchRequest, progress: Progress | None = None, spark=None,
              ) -> BatchSummary:
    from myna.tasks import get_task

    get_task(request.task)  # an unknown task: an error naming the registered ones
    if request.engine not in ENGINES:
        raise InputError(f"unknown engine {request.engine!r}; one of {', '.join(ENGINES)}")
    if request.kb and not Path(request.kb).is_file():
        raise InputError("no such knowledge base file", where=request.kb)
    os.environ.update(request.device_env)  # read by the backends, here and in workers
    if request.engine == "spark":
        return _run_on_spark(request, progress, spark)
    if request.row_numbers:
        raise InputError("row numbers are added on the Spark engine only (local output keeps "
                         "the input's order)")
    return _run_locally(request, progress)


def _run_locally(request: BatchRequest, progress: Progress | None) -> BatchSummary:
    from myna.batch.inputs import open_input
    from myna.batch.local import run_local
    from myna.data.formats import existing_file

    if "://" in request.input and not request.input.startswith("file://"):
        raise InputError("the local engine reads local files; use --engine spark for "
                         "other filesystems", where=request.input)
    source = request.input.removeprefix("file://")
    output = local_output(request.output, source)
    refuse_input_as_output(output, [source], "--output")
    if not should_write(output.exists(), str(output), request.existing):
        return BatchSummary("local", request.task, request.input, str(output), skipped=True)
    existing_file(source)
    model = load_batch_model(request.spec)  # a missing model or wrong task stops here
    review = open_review(request, model.predictor)
    table = open_input(request.input.removeprefix("file://"), request.column, request.fmt,
                       request.encoding, tuple(f.name for f in model.schema), request.fields())
    n_process = request.n_process or os.cpu_count() or 1
    if table.rows is not None and table.rows < 2000:
        n_process = 1  # not worth forking for
    report = (lambda done: progress(done, table.rows)) if progress else None
    output.parent.mkdir(parents=True, exist_ok=True)
    summary = run_local(table, model, request.spec, output, n_process, report)
    if review is not None:
        summary.queued_for_review = queue_unsure(review, output, request.column)
    return summary


def _run_on_spark(request: BatchRequest, progress: Progress | None, spark) -> BatchSummary:
    from myna.batch.spark import run_spark
    from myna.batch.spark_session import check_master, spark_session

    if "://" not in request.output or request.output.startswith("file://"):
        local = Path(request.output.removeprefix("file://")).expanduser()
        if "://" not in request.input or request.input.startswith("file://"):
            refuse_input_as_output(local, [request.input.removeprefix("file://")], "--output")
        if not should_write(local.exists(), str(local), request.existing):  # before any JVM
            return BatchSummary("spark", request.task, request.input, str(local), skipped=True)
        check_spark_target(local, request.existing)
    # Load once on the driver: a missing model or a task it cannot do stops before Spark work.
    model = load_batch_model(request.spec)
    review = open_review(request, model.predictor)
    check_master(request.master)
    own_session = spark is None
    spark = spark or spark_session(request.master, env=request.device_env)
    try:
        columns = request.fields() or request.column
        summary = run_spark(spark, request.input, request.fmt, columns, request.encoding,
                            request.output, request.spec, model, request.existing,
                            request.partitions, request.ship_model, progress,
                            request.row_numbers)
        if review is not None:
            summary.queued_for_review = queue_unsure(review, request.output, request.column)
        return summary
    finally:
        if own_session:
            spark.stop()

