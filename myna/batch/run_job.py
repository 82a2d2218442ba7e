"""``python -m myna.batch.run_job REQUEST.json REPORT.json``: one batch run from a stored
request, in a process of its own (what `myna jobs` starts for every attempt). The request is
`BatchRequest.to_dict()`, not command-line flags, so renaming a flag never breaks a job."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from myna.batch.run import BatchRequest, run_batch
from myna.core.errors import MynaError
from myna.core.processes import handle_sigterm, received


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m myna.batch.run_job REQUEST.json REPORT.json", file=sys.stderr)
        return 2
    handle_sigterm()  # like Ctrl+C: cleanup runs, worker processes are stopped
    request_file, report = Path(argv[0]), Path(argv[1])
    try:
        request = BatchRequest.from_dict(json.loads(request_file.read_text()), str(request_file))
        summary = run_batch(request)
        summary.write(report)
    except MynaError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 128 + received[-1] if received else 130
    print(summary.line(), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
