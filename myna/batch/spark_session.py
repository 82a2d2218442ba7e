"""Start (or join) a Spark session for a batch run, fail fast on an unreachable master, and show
task progress from Spark's status tracker."""

from __future__ import annotations

import os
import socket
import threading
import warnings
from collections.abc import Callable
from urllib.parse import urlparse

from myna.core.errors import InputError
from myna.core.settings import get_settings

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def check_master(master: str | None, timeout_s: float = 5.0) -> None:
    """A ``spark://`` master must accept a connection now; otherwise Spark retries for minutes
    before it gives up."""
    if not master or not master.startswith("spark://"):
        return
    for hostport in master[len("spark://"):].split(","):  # HA masters: any one will do
        url = urlparse(f"spark://{hostport}")
        try:
            with socket.create_connection((url.hostname, url.port or 7077), timeout=timeout_s):
                return
        except OSError as err:
            reason = err.strerror or str(err)
    raise InputError(f"cannot reach the Spark master ({reason})", where=master,
                     hint="start it with `spark-class org.apache.spark.deploy.master.Master` "
                          "or pass another --master")


def spark_session(master: str | None, app_name: str = "myna-batch",
                  env: dict[str, str] | None = None):
    """``master=None`` joins what ``spark-submit`` configured (or Spark's default); ``env``:
    more environment for the executors (MYNA_DEVICE, MYNA_PRECISION). A session already
    running keeps the settings it was made with (Spark's `getOrCreate`)."""
    python = get_settings().pyspark_python
    os.environ["PYSPARK_PYTHON"] = python  # the driver's own workers (local mode) use it too
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
        host = urlparse(master.split(",")[0]).hostname if "://" in master else None
        if master.startswith("local") or host in LOOPBACK:
            builder = builder.config("spark.driver.host", "127.0.0.1")
    from importlib.resources import files

    log_config = files("myna.resources").joinpath("log4j2-batch.properties")
    java_opts = f"-Dlog4j.configurationFile=file:{log_config}"
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    builder = (builder.config("spark.ui.showConsoleProgress", "false")
               .config("spark.driver.extraJavaOptions", java_opts)
               .config("spark.executor.extraJavaOptions", java_opts)
               .config("spark.executorEnv.PYTHONWARNINGS", "ignore::FutureWarning")
               .config("spark.pyspark.python", python)
               .config("spark.executorEnv.TOKENIZERS_PARALLELISM", "false")
               .config("spark.sql.execution.pyspark.udf.faulthandler.enabled", "true"))
    for name, value in (env or {}).items():
        builder = builder.config(f"spark.executorEnv.{name}", value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class TaskProgress:
    """Poll the status tracker: ``report(done, total)`` with finished and known tasks of the
    job group this run started."""

    def __init__(self, spark, group: str, report: Callable[[int, int], None],
                 interval_s: float = 0.5):
        self.sc = spark.sparkContext
        self.group = group
        self.report = report
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True, name="myna-progress")

    def __enter__(self) -> TaskProgress:
        self._thread.start()
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._report_once(finished=exc_type is None)

    def _poll(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._report_once()

    def _report_once(self, finished: bool = False) -> None:
        tracker = self.sc.statusTracker()
        done = total = 0
        for job_id in tracker.getJobIdsForGroup(self.group):
            job = tracker.getJobInfo(job_id)
            for stage_id in job.stageIds if job else []:
                stage = tracker.getStageInfo(stage_id)
                if stage:
                    done += stage.numCompletedTasks
                    total += stage.numTasks
        if total:  # the tracker can lag the job's end by a task or two
            self.report(total if finished else done, total)
