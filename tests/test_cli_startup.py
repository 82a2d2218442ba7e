"""`myna --help` and `myna models list` start without the heavy libraries: spaCy, torch,
MLflow and Spark load only in the commands that use them."""

import json
import subprocess
import sys

import pytest

HEAVY = ("spacy", "torch", "mlflow", "pyspark", "transformers")
PROBE = """
import json, sys
from myna.cli.main import main
sys.argv = ["myna", *{args}]
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy} if m in sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["models", "list"], ["jobs", "list"],
                                  ["batch", "run", "--help"]])
def test_light_commands_do_not_import_heavy_libraries(args):
    r = subprocess.run([sys.executable, "-c", PROBE.format(args=args, heavy=HEAVY)],
                       capture_output=True, text=True, timeout=120)
    loaded = json.loads(r.stderr.strip().splitlines()[-1])
    assert loaded == [], f"myna {' '.join(args)} imported {loaded}"
