"""A two-company knowledge base the tests build themselves (AAPL, IBM)."""

from __future__ import annotations

import csv
from pathlib import Path


def companies_kb(root: Path) -> str:
    """Build it from a CSV, as `myna kb build --from-csv` does; return the KB file's path."""
    from myna.text.kb import build_from_csv

    with open(root / "companies.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Symbol", "Security", "Sector"])
        w.writerow(["AAPL", "Apple Inc.", "Information Technology, consumer electronics"])
        w.writerow(["IBM", "International Business Machines", "Information Technology"])
    kb, _ = build_from_csv(root / "companies.csv", "Symbol", "Security", desc_cols=["Sector"])
    kb.save(root / "kb.jsonl")
    return str(root / "kb.jsonl")
