"""Prodigy-style JSONL tasks: ``text``, ``spans``, ``accept``/``options``, ``label``, ``answer``."""

from __future__ import annotations

from typing import Any

from myna.core.errors import InputError
from myna.core.example import Example, Span

PRODIGY_KEYS = {"answer", "accept", "options", "_input_hash", "_task_hash", "_session_id"}
PRODIGY_META = ("answer", "_input_hash", "_task_hash", "_session_id", "_annotator_id",
                "_timestamp", "label")


def is_prodigy_task(row: dict[str, Any]) -> bool:
    return not PRODIGY_KEYS.isdisjoint(row)


def task_to_example(task: dict[str, Any], where: str, text_key: str = "text") -> Example:
    text = task.get(text_key)
    if not isinstance(text, str):
        raise InputError(f"field {text_key!r} must be a string", where=where)
    spans = []
    for s in task.get("spans") or []:
        try:
            spans.append(Span(int(s["start"]), int(s["end"]), str(s["label"])))
        except (KeyError, TypeError, ValueError):
            raise InputError(f"span {s!r} needs 'start', 'end' and 'label'", where=where) from None
    cats: dict[str, float] = {}
    answer = task.get("answer")
    if "accept" in task:
        options = [o["id"] if isinstance(o, dict) else o for o in task.get("options") or []]
        accepted = set(task.get("accept") or [])
        cats = {str(o): float(o in accepted) for o in options}
        cats.update({str(a): 1.0 for a in accepted})
    elif isinstance(task.get("cats"), dict):  # Myna's own JSONL with a Prodigy answer
        cats = {str(k): float(v) for k, v in task["cats"].items()}
    elif "label" in task and not spans and answer in ("accept", "reject"):
        cats = {str(task["label"]): 1.0 if answer == "accept" else 0.0}
    meta = dict(task.get("meta") or {})
    meta.update({k: task[k] for k in PRODIGY_META if k in task})
    return Example(text=text, spans=spans, cats=cats, meta=meta)


def example_to_task(ex: Example) -> dict[str, Any]:
    task: dict[str, Any] = {
        "text": ex.text,
        "spans": [{"start": s.start, "end": s.end, "label": s.label} for s in ex.spans],
    }
    if ex.cats:
        task["options"] = [{"id": label, "text": label} for label in ex.cats]
        task["accept"] = [label for label, score in ex.cats.items() if score >= 0.5]
    meta = {k: v for k, v in ex.meta.items() if k not in PRODIGY_META}
    if meta:
        task["meta"] = meta
    for key in PRODIGY_META:
        if key in ex.meta and key != "label":
            task[key] = ex.meta[key]
    task.setdefault("answer", "accept")
    return task
