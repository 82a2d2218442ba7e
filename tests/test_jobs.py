"""`myna jobs`: cron and folder-watch jobs run `myna batch run`, once per due time or file,
with retries, and a history in the settings' database."""

import os
import threading
import time
from datetime import UTC, datetime, timedelta

import pyarrow.parquet as pq
import pytest

from myna.batch.jobs import Scheduler, execute
from myna.batch.jobstore import JobStore
from myna.core.db import get_engine


def store() -> JobStore:
    return JobStore(get_engine())


def race_ticks(schedulers: int, now: datetime) -> list:
    """Several schedulers, each with its own database connection, ticking at the same moment;
    returns every claim they made."""
    claims = []
    barrier = threading.Barrier(schedulers)

    def poll():
        scheduler = Scheduler(JobStore(get_engine()))
        barrier.wait()
        claims.extend(scheduler.tick(now))

    threads = [threading.Thread(target=poll) for _ in range(schedulers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return claims


def news(path, n: int = 3):
    path.write_text("id,text\n" + "".join(f"{i},Apple opened a store in Paris.\n"
                                          for i in range(n)))
    return path


def test_add_list_and_remove_a_scheduled_job(tmp_path, myna):
    src = news(tmp_path / "news.csv")
    r = myna("jobs", "add", "hourly-news", "--schedule", "0 * * * *", "--",
             "--input", src, "--output", tmp_path / "out-{date}-{time}.parquet")
    assert r.code == 0, r.err
    assert "next run" in r.err
    r = myna("jobs", "list")
    assert "hourly-news" in r.out and "cron 0 * * * *" in r.out and "never" in r.out
    again = myna("jobs", "add", "hourly-news", "--schedule", "0 * * * *", "--", "-i", src,
                 "-o", "x.parquet")
    assert again.code == 1 and "already exists" in again.err
    assert myna("jobs", "remove", "hourly-news").code == 0
    assert "no jobs" in myna("jobs", "list").out


@pytest.mark.parametrize("args, message", [
    (["--schedule", "61 * * * *", "--", "-i", "a.csv", "-o", "b.parquet"],
     "not a cron schedule"),
    (["--schedule", "0 * * * *", "--", "-i", "a.csv", "--outptu", "b.parquet"],
     "No such option: --outptu"),
    (["--schedule", "0 * * * *"], "give the `myna batch run` arguments after `--`"),
])
def test_bad_job_definitions_are_refused(myna, args, message):
    r = myna("jobs", "add", "broken", *args)
    assert r.code != 0
    assert message in r.err
    assert "no jobs" in myna("jobs", "list").out


def test_a_due_time_runs_once_however_many_schedulers_poll(tmp_path, myna):
    src = news(tmp_path / "news.csv")
    myna("jobs", "add", "hourly", "--schedule", "0 * * * *", "--", "-i", src,
         "-o", str(tmp_path / "out-{date}T{time}.parquet"))
    added = store().get("hourly").created_at
    due = added.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    assert Scheduler(store()).tick(due - timedelta(minutes=1)) == []  # nothing due yet

    claims = race_ticks(3, due + timedelta(seconds=30))
    assert len(claims) == 1
    assert execute(store(), claims[0]) == "succeeded"
    assert Scheduler(store()).tick(due + timedelta(minutes=5)) == []  # already ran
    out = tmp_path / f"out-{due:%Y-%m-%d}T{due:%H%M%S}.parquet"
    assert len(pq.read_table(out)) == 3
    run = store().history("hourly")[0]
    assert (run.status, run.rows, run.failed_rows, run.trigger) == ("succeeded", 3, 0,
                                                                    "schedule")
    r = myna("jobs", "history", "hourly")
    assert "succeeded" in r.out and "schedule" in r.out


def test_watched_folder_runs_each_new_file_once(tmp_path, myna):
    inbox, results = tmp_path / "inbox", tmp_path / "results"
    inbox.mkdir()
    news(inbox / "monday.csv")
    (inbox / "notes.txt").write_text("not a match")
    r = myna("jobs", "watch", inbox, "--pattern", "*.csv", "--name", "inbox", "--",
             "--output", str(results / "{stem}.parquet"))
    assert r.code == 0, r.err
    old = time.time() - 10
    os.utime(inbox / "monday.csv", (old, old))
    assert myna("jobs", "serve", "--once").code == 0
    assert len(pq.read_table(results / "monday.parquet")) == 3
    assert myna("jobs", "serve", "--once").code == 0
    assert len(store().history("inbox")) == 1  # the same file does not run again
    news(inbox / "tuesday.csv", n=5)
    os.utime(inbox / "tuesday.csv", (old, old))
    r = myna("jobs", "run", "inbox")
    assert r.code == 0, r.err
    assert len(pq.read_table(results / "tuesday.parquet")) == 5
    runs = store().history("inbox")
    assert [(r.trigger, r.status, r.rows) for r in runs] == [("file", "succeeded", 5),
                                                             ("file", "succeeded", 3)]


def test_a_failing_job_is_retried_with_backoff_and_recorded(tmp_path, myna):
    src = news(tmp_path / "news.csv")
    myna("jobs", "add", "broken", "--schedule", "0 0 * * *", "--retries", "2", "--backoff",
         "0.2", "--", "-i", src, "--column", "body", "-o", tmp_path / "out.parquet")
    started = time.perf_counter()
    r = myna("jobs", "run", "broken")
    assert r.code == 1
    assert time.perf_counter() - started >= 0.6  # waited 0.2 s, then 0.4 s
    runs = store().history("broken")
    assert [(r.attempt, r.status) for r in runs] == [(3, "failed"), (2, "failed"),
                                                     (1, "failed")]
    assert all("no column 'body'" in r.error for r in runs)
    assert len({r.slot for r in runs}) == 1 and runs[0].trigger == "manual"
    assert not (tmp_path / "out.parquet").exists()


def test_runs_left_running_by_a_dead_scheduler_are_marked_failed(tmp_path):
    s = store()
    run_id = s.claim("ghost", "2026-01-01T00:00:00+00:00", "schedule")
    from sqlalchemy import update

    from myna.batch.jobstore import runs_table

    with s.engine.begin() as conn:  # as if a scheduler with pid 999999999 had died mid-run
        conn.execute(update(runs_table).values(owner=f"{os.uname().nodename}:999999999"))
    assert s.abandon_dead_runs() == 1
    run = s.history("ghost")[0]
    assert run.id == run_id and run.status == "failed" and "stopped" in run.error
    assert run.started_at < datetime.now(UTC)


@pytest.fixture(scope="module")
def postgres_url():
    from pg_server import postgres_server

    with postgres_server() as url:
        yield url


def test_history_in_postgresql_and_claims_hold_across_schedulers(tmp_path, myna, monkeypatch,
                                                                 postgres_url):
    monkeypatch.setenv("MYNA_DATABASE_URL", postgres_url)
    src = news(tmp_path / "news.csv")
    r = myna("jobs", "add", "pg-nightly", "--schedule", "0 0 * * *", "--", "-i", src,
             "-o", tmp_path / "out-{date}.parquet")
    assert r.code == 0, r.err
    job = store().get("pg-nightly")
    due = job.created_at.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    claims = race_ticks(4, due + timedelta(minutes=1))
    assert len(claims) == 1
    assert execute(store(), claims[0]) == "succeeded"
    assert "succeeded" in myna("jobs", "history", "pg-nightly").out
    assert (tmp_path / f"out-{due:%Y-%m-%d}.parquet").exists()


def test_the_scheduler_process_picks_up_files_as_they_arrive(tmp_path):
    import signal
    import subprocess
    import sys

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    cli = [sys.executable, "-m", "myna.cli.main"]
    subprocess.run([*cli, "jobs", "watch", str(inbox), "--pattern", "*.jsonl", "--", "-o",
                    str(tmp_path / "out" / "{stem}.parquet")], check=True, capture_output=True)
    serve = subprocess.Popen([*cli, "jobs", "serve", "--poll", "0.5"],
                             stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2)
        (inbox / "a.jsonl").write_text('{"text": "Google bought a startup in Zurich."}\n')
        deadline = time.time() + 120
        while time.time() < deadline and [r.status for r in store().history("watch-inbox")] \
                != ["succeeded"]:  # recorded: the run has ended (SIGTERM would stop it)
            time.sleep(0.5)
    finally:
        serve.send_signal(signal.SIGTERM)  # what job runners send; SIGINT may be ignored
        _, err = serve.communicate(timeout=60)
    rows = pq.read_table(tmp_path / "out" / "a.parquet").to_pylist()
    assert {e["text"] for e in rows[0]["entities"]} >= {"Google", "Zurich"}
    assert "watch-inbox" in err and "a.jsonl" in err
    assert [r.status for r in store().history("watch-inbox")] == ["succeeded"]


def test_a_job_runs_its_stored_request_not_its_command_line_flags(tmp_path, myna):
    """Renaming a `myna batch run` flag must not break stored jobs: the job keeps the request."""
    import json

    from sqlalchemy import update

    from myna.batch.jobstore import jobs_table

    src, out = news(tmp_path / "news.csv"), tmp_path / "out.parquet"
    assert myna("jobs", "add", "nightly", "--schedule", "0 3 * * *", "--", "-i", src,
                "-o", out, "--task", "analyze").code == 0
    with get_engine().begin() as conn:  # as if --task had since been renamed
        conn.execute(update(jobs_table).values(args=json.dumps(["--old-flag", "x"])))
    r = myna("jobs", "run", "nightly")
    assert r.code == 0, r.err
    assert "tokens" in pq.read_table(out).column_names


def test_jobs_stored_by_myna_0_1_as_arguments_are_migrated(tmp_path, myna):
    import json

    from sqlalchemy import text

    src, out = news(tmp_path / "news.csv"), tmp_path / "old.parquet"
    with get_engine().begin() as conn:  # the jobs table as Myna 0.1 made it: no request
        conn.execute(text(
            "CREATE TABLE myna_jobs (name VARCHAR(200) PRIMARY KEY, kind VARCHAR(20) NOT NULL, "
            "schedule VARCHAR(100), watch_dir TEXT, pattern VARCHAR(200), args TEXT NOT NULL, "
            "retries INTEGER NOT NULL, backoff_s FLOAT NOT NULL, created_at DATETIME NOT NULL)"))
        conn.execute(text("INSERT INTO myna_jobs VALUES ('old', 'schedule', '0 * * * *', NULL, "
                          "NULL, :args, 0, 30.0, '2026-01-01 00:00:00')"),
                     {"args": json.dumps(["-i", str(src), "-o", str(out)])})
    r = myna("jobs", "run", "old")
    assert r.code == 0, r.err
    assert pq.read_table(out).num_rows == 3
    request = store().get("old").request
    assert request["input"] == str(src) and request["task"] == "ner"


def test_a_drift_check_job_triggers_the_retraining_job(tmp_path, myna):
    """`myna jobs monitor` runs `myna monitor check` on a schedule; drift (exit code 3) is a
    run of its own status and starts the `--then` job, here a `myna jobs train` retraining."""
    from news_stream import news as topic_news
    from news_stream import write_csv, write_labelled_csv

    train_csv = write_labelled_csv(tmp_path / "train.csv", 150, seed=1)
    r = myna("train", "textcat", train_csv, "-l", "label", "-o", tmp_path / "model",
             "--epochs", "2")
    assert r.code == 0, r.err
    model = tmp_path / "model" / "model-best"
    assert (model / "reference_profile" / "profile.json").is_file()
    write_csv(tmp_path / "same.csv", topic_news(80, seed=3))
    write_csv(tmp_path / "sports.csv", topic_news(80, seed=4, topics=("Sports",)))
    r = myna("jobs", "train", "retrain", "--", "textcat", train_csv, "-l", "label",
             "-o", tmp_path / "retrained-{date}", "--epochs", "1", "--no-profile")
    assert r.code == 0, r.err
    for name, data in (("check-same", "same.csv"), ("check-sports", "sports.csv")):
        r = myna("jobs", "monitor", name, "--schedule", "0 6 * * *", "--then", "retrain",
                 "--", model, tmp_path / data, "--report", tmp_path / f"{name}-{{date}}")
        assert r.code == 0, r.err
    listed = myna("jobs", "list").out
    assert "on drift: retrain" in listed and "when triggered" in listed
    assert myna("jobs", "run", "check-same").code == 0
    assert [run.status for run in store().history("retrain")] == []  # no drift, no retraining
    r = myna("jobs", "run", "check-sports")
    assert r.code == 0, r.err
    assert [run.status for run in store().history("check-sports")] == ["drift"]
    retrain = store().history("retrain")
    assert [(run.status, run.trigger) for run in retrain] == [("succeeded", "drift")]
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    assert (tmp_path / f"retrained-{today}" / "model-best").is_dir()
    assert (tmp_path / f"check-sports-{today}" / "report.md").is_file()
    bad = myna("jobs", "monitor", "typo", "--schedule", "0 6 * * *", "--", model,
               tmp_path / "same.csv", "--alhpa", "0.1")
    assert bad.code == 1 and "No such option: --alhpa" in bad.err
    bad = myna("jobs", "monitor", "x", "--schedule", "0 6 * * *", "--then", "nope", "--",
               model, tmp_path / "same.csv")
    assert bad.code == 1 and "no job named 'nope'" in bad.err
