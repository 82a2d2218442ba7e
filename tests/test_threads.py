"""Worker processes split the cores between them: each copy of a served model limits its math
libraries (torch, BLAS, OpenMP such as FAISS's) to its share, instead of every copy starting a
thread per core and all of them fighting over the same cores."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from myna.core.threads import threads_per_copy


def test_copies_get_their_share_of_the_cores():
    cores = os.cpu_count() or 1
    assert threads_per_copy(1) == cores
    assert threads_per_copy(cores) == 1
    assert threads_per_copy(cores * 4) == 1  # never zero


@pytest.mark.slow  # a Python process that imports torch and FAISS
def test_a_copy_limits_every_loaded_math_library():
    script = """
import json, faiss, numpy, torch
from threadpoolctl import threadpool_info
from myna.core.threads import limit_threads
torch.set_num_threads(4)
limit_threads(1)
print(json.dumps({"torch": torch.get_num_threads(),
                  "pools": [p["num_threads"] for p in threadpool_info()]}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=True)
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["torch"] == 1
    assert seen["pools"] and set(seen["pools"]) == {1}
