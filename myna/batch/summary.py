"""What a batch run reports at the end, on the terminal and (``--report``) as JSON for jobs."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from myna.core.atomic import atomic_path


@dataclass
class BatchSummary:
    engine: str
    task: str
    input: str
    output: str
    rows: int = 0
    failed: int = 0
    seconds: float = 0.0
    skipped: bool = False  # --skip-existing found the output already there
    model_loads: int | None = None  # Spark: how many Python workers loaded the model
    first_error: str | None = None
    queued_for_review: int | None = None  # --review-below: new texts in the review queue

    @property
    def docs_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        if self.skipped:
            return f"{self.output} already exists; skipped (--skip-existing)"
        text = (f"{self.rows:,} rows, {self.failed:,} failed, {self.seconds:.1f}s "
                f"({self.docs_per_s:,.0f} docs/s) on {self.engine} → {self.output}")
        if self.model_loads is not None:
            text += f"; model loaded {self.model_loads}× (once per Python worker)"
        if self.queued_for_review is not None:
            text += f"; {self.queued_for_review:,} unsure answers queued for review"
        return text

    def write(self, path: str | Path) -> None:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps({**asdict(self), "docs_per_s": self.docs_per_s}, indent=2))
