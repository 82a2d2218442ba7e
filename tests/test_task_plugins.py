"""A task from another package: an installed distribution that names a Task class in the
``myna_tasks`` entry-point group is a task everywhere (as spaCy's factories are), without
registering anything by hand."""

import subprocess
import sys

import pyarrow.parquet as pq
import pytest

PLUGIN = '''
import pyarrow as pa
from myna.tasks import Task


class Reverse(Task):
    name = "reverse"
    summary = "The text backwards"
    output = pa.schema([("reversed", pa.string())])

    def forward(self, model, inputs):
        return [{"reversed": text[::-1]} for text in inputs]
'''


@pytest.fixture
def plugin_path(tmp_path):
    """A distribution on a path: its module and its dist-info with the entry point."""
    site = tmp_path / "site"
    dist = site / "myna_reverse-1.0.dist-info"
    dist.mkdir(parents=True)
    (site / "myna_reverse.py").write_text(PLUGIN)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: myna-reverse\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[myna_tasks]\nreverse = myna_reverse:Reverse\n")
    return site


@pytest.mark.slow  # starts `myna` processes
def test_an_entry_point_task_runs_in_batch_and_is_listed(plugin_path, tmp_path):
    env = {"PYTHONPATH": str(plugin_path), "HOME": str(tmp_path), "PATH": "/usr/bin:/bin",
           "MYNA_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1"}
    names = subprocess.run([sys.executable, "-c", "from myna.tasks import task_names; "
                            "print(','.join(task_names()))"], env=env, capture_output=True,
                           text=True, timeout=120)
    assert "reverse" in names.stdout.strip().split(","), names.stderr
    src = tmp_path / "in.csv"
    src.write_text("id,text\n1,abc\n2,Myna\n")
    out = tmp_path / "out.parquet"
    run = subprocess.run([sys.executable, "-m", "myna.cli.main", "batch", "run", "-i", str(src),
                          "-o", str(out), "--task", "reverse"], env=env, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert pq.read_table(out).column("reversed").to_pylist() == ["cba", "anyM"]
