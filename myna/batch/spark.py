"""The Spark engine: read the input with Spark, add the result columns with a pandas UDF, write
Parquet to a hidden folder beside the output and rename it into place when the job succeeded.
Runs the same under ``myna batch run --engine spark`` and ``spark-submit``."""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from myna.batch.model_spec import ModelSpec, make_archive, model_directory
from myna.batch.output import SUCCESS, Existing, not_spark_output, should_write
from myna.batch.spark_udf import ShippedModel, predict_series
from myna.batch.summary import BatchSummary
from myna.batch.tasks import ERROR_COLUMN, BatchModel
from myna.core.errors import InputError, MynaError
from myna.tasks.schemas import spark_ddl
from myna.tasks.shipping import pack_runtime_tasks

CORRUPT = "_corrupt_record"
RESULT = "_myna_result"
CSV_OPTIONS = {"header": "true", "multiLine": "true", "quote": '"', "escape": '"',
               "mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT}
FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".json": "jsonl",
           ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}


class HadoopPath:
    """A path on any filesystem the cluster's Hadoop client knows (file:, hdfs:, s3a:, …)."""

    def __init__(self, spark, uri: str):
        jvm = spark.sparkContext._jvm
        self._jvm = jvm
        self.path = jvm.org.apache.hadoop.fs.Path(uri)
        self.fs = self.path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
        self.uri = uri

    def exists(self) -> bool:
        return bool(self.fs.exists(self.path))

    def sibling(self, name: str) -> HadoopPath:
        new = HadoopPath.__new__(HadoopPath)
        new._jvm, new.fs = self._jvm, self.fs
        new.path = self._jvm.org.apache.hadoop.fs.Path(self.path.getParent(), name)
        new.uri = str(new.path.toString())
        return new

    def rename(self, other: HadoopPath) -> None:
        if not self.fs.rename(self.path, other.path):
            raise OSError(f"could not rename {self.uri} to {other.uri}")

    def delete(self) -> None:
        self.fs.delete(self.path, True)

    def replaceable(self) -> bool:
        """A file, an empty folder or a Spark output folder: never a folder of other files."""
        if not self.fs.getFileStatus(self.path).isDirectory():
            return True
        success = self._jvm.org.apache.hadoop.fs.Path(self.path, SUCCESS)
        return bool(self.fs.exists(success)) or len(self.fs.listStatus(self.path)) == 0


def input_format(uri: str, fmt: str | None) -> str:
    kind = fmt or FORMATS.get(Path(uri.split("?")[0]).suffix.lower())
    if kind not in ("csv", "tsv", "jsonl", "parquet"):
        raise InputError("batch reads CSV, TSV, JSONL or Parquet; pass --format", where=uri)
    return kind


def read_input(spark, uri: str, fmt: str, column: str | list[str], encoding: str,
               reserved: list[str]):
    """The input as a DataFrame plus the name of its corrupt-record column (or None);
    ``column``: the text column, or a record task's columns."""
    from pyspark.errors import AnalysisException

    reader = spark.read
    try:
        if fmt in ("csv", "tsv"):
            opts = {**CSV_OPTIONS, "sep": "\t" if fmt == "tsv" else ",", "encoding": encoding}
            header = spark.read.options(**opts).csv(uri).columns
            ddl = ", ".join(f"`{c}` string" for c in [*header, CORRUPT])
            df = reader.options(**opts).schema(ddl).csv(uri)
        elif fmt == "jsonl":
            df = reader.options(encoding=encoding, columnNameOfCorruptRecord=CORRUPT).json(uri)
        else:
            df = reader.parquet(uri)
    except AnalysisException as err:
        raise InputError(str(err).splitlines()[0], where=uri) from None
    names = [c for c in df.columns if c != CORRUPT]
    for wanted in ([column] if isinstance(column, str) else column):
        if wanted not in names:
            raise InputError(f"no column {wanted!r}; columns are: {', '.join(names)}", where=uri)
    clash = [c for c in names if c in (*reserved, ERROR_COLUMN)]
    if clash:
        raise InputError(f"input column(s) {', '.join(map(repr, clash))} would be overwritten "
                         "by the result; rename them first", where=uri)
    return df, (CORRUPT if CORRUPT in df.columns else None)


def _text_column(df, column: str):
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    kind = df.schema[column].dataType
    if isinstance(kind, T.StringType):
        return F.col(f"`{column}`")
    if isinstance(kind, T.NumericType | T.BooleanType):
        return F.col(f"`{column}`").cast("string")
    raise InputError(f"column {column!r} holds {kind.simpleString()}, not text")


def ship_model(spark, spec: ModelSpec, model: BatchModel, ship: bool, workdir: Path,
               ) -> ShippedModel:
    """Send a local model directory (or the registry version behind a URI) to the executors
    as a zip archive; with ``ship=False`` executors load ``spec.source`` themselves."""
    sc = spark.sparkContext
    kb_name = None
    if spec.kb:
        sc.addFile(str(Path(spec.kb).resolve()))
        kb_name = Path(spec.kb).name
    if not ship:
        tracking_uri = None
        if spec.source and spec.source.startswith(("models:/", "runs:/")):
            from myna.core.tracking import tracking_uri as settings_tracking_uri

            tracking_uri = settings_tracking_uri()
        return ShippedModel(spec, None, kb_name, tracking_uri, pack_runtime_tasks())
    directory = model_directory(spec, model)
    if directory is None:
        return ShippedModel(spec, None, kb_name, tasks=pack_runtime_tasks())
    name = f"myna-model-{uuid.uuid4().hex[:8]}"
    sc.addArchive(f"{make_archive(directory, workdir)}#{name}")
    return ShippedModel(spec, name, kb_name, tasks=pack_runtime_tasks())


def run_spark(spark, uri: str, fmt: str | None, column: str | dict[str, str], encoding: str,
              output: str,
              spec: ModelSpec, model: BatchModel, existing: Existing, partitions: int | None,
              ship: bool = True, progress: Callable[[int, int], None] | None = None,
              row_numbers: str | None = None) -> BatchSummary:
    from pyspark.sql import functions as F

    from myna.batch.spark_session import TaskProgress

    result_schema = model.schema
    summary = BatchSummary("spark", spec.task, uri, output)
    target = HadoopPath(spark, output)
    exists = target.exists()
    if not should_write(exists, output, existing):
        summary.skipped = True
        return summary
    if exists and not target.replaceable():
        raise not_spark_output(output)
    fields = column if isinstance(column, dict) else None  # a record task's field → column
    in_columns = list(fields.values()) if fields else [str(column)]
    df, corrupt = read_input(spark, uri, input_format(uri, fmt), in_columns, encoding,
                             [f.name for f in result_schema if f.name != ERROR_COLUMN])
    texts = [_text_column(df, c) for c in in_columns]
    if row_numbers:
        df = _with_row_numbers(spark, df, row_numbers)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="myna-batch-") as workdir:
        shipped = ship_model(spark, spec, model, ship, Path(workdir))
        loads = spark.sparkContext.accumulator(0)
        columns = [f.name for f in result_schema]
        udf = F.pandas_udf(predict_series(shipped, in_columns, columns, loads,  # type: ignore[call-overload]
                                          list(fields) if fields else None),
                           spark_ddl(result_schema))
        if corrupt:  # a malformed line: no text for the model, a clear error in the output
            texts = [F.when(F.col(corrupt).isNull(), t) for t in texts]
        wanted = partitions or spark.sparkContext.defaultParallelism
        if partitions or df.rdd.getNumPartitions() < wanted:
            df = df.repartition(wanted)
        result = df.withColumn(RESULT, udf(*texts))
        error = F.col(f"{RESULT}.{ERROR_COLUMN}")
        if corrupt:
            error = F.when(F.col(corrupt).isNotNull(),
                           F.lit(f"malformed {input_format(uri, fmt).upper()} record; "
                                 "see the input around this row")).otherwise(error)
        inputs = [F.col(f"`{c}`") for c in df.columns if c != corrupt]
        results = [F.col(f"{RESULT}.`{c}`").alias(c) for c in columns if c != ERROR_COLUMN]
        out = result.select(*inputs, *results, error.alias(ERROR_COLUMN))
        tmp = target.sibling(f".{Path(output).name}.{uuid.uuid4().hex[:8]}.tmp")
        group = f"myna-batch-{uuid.uuid4().hex[:8]}"
        spark.sparkContext.setJobGroup(group, f"myna batch {spec.task} {uri}")
        try:
            with TaskProgress(spark, group, progress or (lambda done, total: None)):
                out.write.mode("errorifexists").parquet(tmp.uri)
            _commit(target, tmp)
        except Exception as err:
            if type(err).__module__.startswith(("py4j", "pyspark")):
                raise MynaError(f"the Spark job failed: {_first_cause(err)}", where=uri,
                                hint="nothing was written; rerun with --debug for Spark's "
                                     "trace") from err
            raise
        finally:
            if tmp.exists():
                tmp.delete()
    summary.seconds = time.perf_counter() - started
    summary.model_loads = loads.value
    _count(spark, output, summary)
    return summary


def _with_row_numbers(spark, df, name: str):
    """``df`` plus column ``name``: each row's number in the input from 1, taken before any
    repartition (files in name order, rows in file order)."""
    from pyspark.sql import types as T

    if name in df.columns:
        raise InputError(f"the input already has a column {name!r}")
    schema = T.StructType([*df.schema.fields, T.StructField(name, T.LongType(), False)])
    numbered = df.rdd.zipWithIndex().map(lambda pair: (*pair[0], pair[1] + 1))
    return spark.createDataFrame(numbered, schema)


def _first_cause(err: Exception) -> str:
    """The line of a Spark/py4j error that says what went wrong (a Python worker's own
    exception when there is one), not the JVM stack."""
    lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
    for ln in reversed(lines):
        if ln.split(":", 1)[0].endswith(("Error", "Exception")) and "py4j" not in ln:
            return ln[:500]
    return (lines[0] if lines else type(err).__name__)[:500]


def _commit(target: HadoopPath, tmp: HadoopPath) -> None:
    """Rename the finished folder into place; an old output goes only after that."""
    old = None
    if target.exists():
        old = target.sibling(f".{Path(target.uri).name}.{uuid.uuid4().hex[:8]}.old")
        target.rename(old)
    tmp.rename(target)
    if old is not None:
        old.delete()


def _count(spark, output: str, summary: BatchSummary) -> None:
    from pyspark.sql import functions as F

    written = spark.read.parquet(output)
    row = written.agg(F.count(F.lit(1)).alias("rows"),
                      F.count(ERROR_COLUMN).alias("failed")).first()
    summary.rows, summary.failed = int(row["rows"]), int(row["failed"])
    if summary.failed:
        first = written.where(F.col(ERROR_COLUMN).isNotNull()).select(ERROR_COLUMN).first()
        summary.first_error = first[0] if first else None
