"""`POST /invocations` in MLflow's scoring protocol, so clients of `mlflow models serve` work
unchanged: ``{"inputs": [...]}``, ``{"instances": [...]}``, ``{"dataframe_split": ...}`` or
``{"dataframe_records": [...]}``, optional ``{"params": {"task": ...}}``; the answer is
``{"predictions": [...]}``, one record per text, exactly what the pyfunc flavor returns.
A task whose input is a record (question answering) reads its fields as columns; the task's
parameters ride in ``params`` beside ``task``."""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from myna.core.errors import InputError
from myna.serve.routes.common import ERRORS, check_texts, run_task
from myna.serve.schemas import InvocationsIn, InvocationsOut
from myna.tasks.base import TEXT_COLUMN

router = APIRouter(responses=ERRORS)
INPUT_KEYS = ("inputs", "instances", "dataframe_split", "dataframe_records")


def _column(columns: list[str] | None, rows: list[list[Any]], where: str) -> list[Any]:
    width = {len(r) for r in rows}
    if len(width) > 1:
        raise HTTPException(422, f"{where}: rows have different lengths {sorted(width)}")
    if columns:
        repeated = sorted(c for c, n in Counter(columns).items() if n > 1)  # one pass
        if repeated:
            raise HTTPException(422, f"{where}.columns: {', '.join(map(repr, repeated))} "
                                     "named more than once")
        if width and width != {len(columns)}:
            raise HTTPException(422, f"{where}: {len(columns)} columns named but rows have "
                                     f"{next(iter(width))} value(s)")
    if columns and TEXT_COLUMN in columns:
        index = columns.index(TEXT_COLUMN)
    elif width == {1} or not rows:
        index = 0
    else:
        raise HTTPException(422, f"{where}: expected a {TEXT_COLUMN!r} column or a single one")
    return [r[index] for r in rows]


def _record_texts(records: list[Any], where: str) -> list[Any]:
    out = []
    for i, rec in enumerate(records):
        if isinstance(rec, dict):
            if TEXT_COLUMN in rec:
                out.append(rec[TEXT_COLUMN])
            elif len(rec) == 1:
                out.append(next(iter(rec.values())))
            else:
                raise HTTPException(422, f"{where}[{i}] has no {TEXT_COLUMN!r} field")
        else:
            out.append(rec)
    return out


def texts_of(body: InvocationsIn) -> tuple[list[Any], str]:
    given = [k for k in INPUT_KEYS if getattr(body, k) is not None]
    if len(given) != 1:
        raise HTTPException(400, f"send exactly one of {', '.join(INPUT_KEYS)} (got "
                                 f"{', '.join(given) or 'none'})")
    key = given[0]
    if key == "dataframe_split":
        split = body.dataframe_split
        assert split is not None
        return _column(split.columns, split.data, key), key
    value = getattr(body, key)
    if isinstance(value, dict):
        if TEXT_COLUMN in value:
            return list(value[TEXT_COLUMN]), f"{key}.{TEXT_COLUMN}"
        if len(value) == 1:
            name = next(iter(value))
            return list(value[name]), f"{key}.{name}"
        raise HTTPException(422, f"{key}: expected a {TEXT_COLUMN!r} key or a single key")
    return _record_texts(value, key), key


def records_of(body: InvocationsIn, fields: list[str]) -> tuple[list[dict[str, Any]], str]:
    """Records with ``fields`` from any of MLflow's input shapes."""
    given = [k for k in INPUT_KEYS if getattr(body, k) is not None]
    if len(given) != 1:
        raise HTTPException(400, f"send exactly one of {', '.join(INPUT_KEYS)} (got "
                                 f"{', '.join(given) or 'none'})")
    key = given[0]
    value = getattr(body, key)
    if key == "dataframe_split":
        columns = value.columns or []
        rows = [dict(zip(columns, row, strict=False)) for row in value.data]
    elif isinstance(value, dict):
        lengths = {len(v) for v in value.values()}
        if len(lengths) > 1:
            raise HTTPException(422, f"{key}: columns have different lengths")
        rows = [{k: v[i] for k, v in value.items()} for i in range(next(iter(lengths), 0))]
    else:
        rows = list(value)
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise HTTPException(422, f"{key}[{i}] is not a record with {', '.join(fields)}")
        missing = [f for f in fields if f not in row]
        if missing:
            raise HTTPException(422, f"{key}[{i}] has no {', '.join(map(repr, missing))}")
    return [{f: row[f] for f in fields} for row in rows], key


@router.post("/invocations", response_model=InvocationsOut,
             summary="MLflow scoring protocol (as `mlflow models serve`)")
async def invocations(request: Request, body: InvocationsIn) -> dict[str, Any]:
    predictor = request.app.state.holder.current.predictor
    params = dict(body.params or {})
    name = params.pop("task", None) or predictor.default_task
    if not isinstance(name, str):
        raise HTTPException(422, "params.task must be a string")
    task = request.app.state.tasks[predictor.check_task(name)]  # an alias names it too
    try:
        checked = task.check_params(params)
    except InputError as err:
        raise HTTPException(422, str(err)) from None
    if task.takes_text:
        texts, where = texts_of(body)
        inputs: list[Any] = check_texts(request, texts, where)
    else:
        inputs, where = records_of(body, task.input.names)
        if not inputs:
            raise HTTPException(422, f"{where} is empty; send at least one input")
        for field in task.input.names:
            check_texts(request, [r[field] for r in inputs], where)
    rows = await run_task(request, task.name, inputs, checked)
    return {"predictions": [task.pyfunc_record(row) for row in rows]}
