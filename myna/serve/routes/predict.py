"""`/v1/<task>` for every registered task (`/v1/ner`, `/v1/classify`, `/v1/question-answering`,
`/v1/embed`, …): Myna's own JSON API, generated from the task registry. A text task takes
``text`` or ``texts``; a record task its fields (``question``, ``context``) or ``inputs``, a
list of such records; a task's parameters ride along by name (``max_new_tokens``, ``labels``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import ConfigDict, Field, create_model

from myna.core.errors import InputError
from myna.serve.routes.common import ERRORS, check_texts, check_tokens, run_task, serving
from myna.serve.schemas import ModelInfo, TextsIn
from myna.tasks import Task
from myna.tasks.params import Param
from myna.tasks.schemas import pydantic_model


def _title(task: Task) -> str:
    return "".join(p.capitalize() for p in task.name.replace("-", "_").split("_"))


def response_model(task: Task) -> type:
    """``{"model", "version", "results": [one record per input]}`` with the task's columns."""
    schema = task.output_schema()
    title = _title(task)
    result: Any = dict[str, Any] if schema is None else pydantic_model(schema, f"{title}Result")
    return create_model(f"{title}Out", __base__=ModelInfo, results=(list[result], ...))


def _param_field(param: Param) -> tuple[Any, Any]:
    kind: Any = list[str] if param.kind is list else param.kind
    return kind | None, Field(None, description=param.help)


def request_model(task: Task) -> type:
    """The body: ``text``/``texts`` or the record's fields/``inputs``, plus the parameters."""
    params = {p.name: _param_field(p) for p in task.params}
    title = _title(task)
    if task.takes_text:
        return (create_model(f"{title}In", __base__=TextsIn, **params)  # type: ignore[call-overload]
                if params else TextsIn)
    record_fields = {name: (str, ...) for name in task.input.names}
    record = create_model(f"{title}Record", __config__=ConfigDict(extra="forbid"),
                          **record_fields)  # type: ignore[call-overload]
    single = {name: (str | None, Field(None, min_length=1)) for name in task.input.names}
    return create_model(f"{title}In", __config__=ConfigDict(extra="forbid"),  # type: ignore[call-overload]
                        inputs=(list[record] | None, Field(None, min_length=1)),  # type: ignore[valid-type]
                        **single, **params)


def _inputs(request: Request, task: Task, body: Any) -> tuple[list[Any], str]:
    if task.takes_text:
        if (body.text is None) == (body.texts is None):
            raise HTTPException(422, "send exactly one of 'text' (a string) or 'texts' (a list)")
        if body.text is not None:
            return check_texts(request, [body.text], "text"), "text"
        return check_texts(request, body.texts or [], "texts"), "texts"
    names = task.input.names
    given = {n: getattr(body, n) for n in names if getattr(body, n) is not None}
    if (body.inputs is None) == (not given):
        raise HTTPException(422, f"send either {', '.join(names)} (one input) or 'inputs' "
                                 "(a list of them)")
    if body.inputs is None:
        missing = [n for n in names if n not in given]
        if missing:
            raise HTTPException(422, f"{', '.join(missing)} missing")
        records = [given]
    else:
        records = [r.model_dump() for r in body.inputs]
    for name in names:  # the same limits as texts, per field
        check_texts(request, [r[name] for r in records],
                    "inputs" if body.inputs is not None else name)
    return records, "inputs"


def _endpoint(task: Task):
    body_model = request_model(task)

    async def answer(request: Request, body: Any) -> dict[str, Any]:
        inputs, field = _inputs(request, task, body)
        if task.counts_tokens:
            inputs = check_tokens(request, inputs, field)
        given = {p.name: getattr(body, p.name) for p in task.params
                 if getattr(body, p.name) is not None}
        try:
            params = task.check_params(given)
        except InputError as err:
            raise HTTPException(422, str(err)) from None
        rows = await run_task(request, task.name, inputs, params)
        loaded = serving(request, task.name)[0].current
        for row in rows:
            row.pop("error", None)  # None: run_task refuses rows with an error
        return {"model": loaded.source, "version": loaded.version, "results": rows}

    answer.__name__ = task.name.replace("-", "_")
    # The body's model is built at run time: FastAPI reads it from the annotations.
    answer.__annotations__ = {"request": Request, "body": body_model, "return": dict[str, Any]}
    return answer


def task_router(tasks: Iterable[Task]) -> APIRouter:
    """One route per task (those registered when the app is built)."""
    router = APIRouter(prefix="", responses=ERRORS)
    for task in tasks:
        router.add_api_route(task.path, _endpoint(task), methods=["POST"],
                             response_model=response_model(task), summary=task.summary,
                             name=task.name, operation_id=f"task_{task.name}")
    return router
