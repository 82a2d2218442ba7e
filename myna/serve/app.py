"""The FastAPI application: routes, JSON errors for every bad request, metrics, and the
scheduler that hands the work to the model's copies.

`build_app` returns the ASGI app to serve, FastAPI inside the checks that run before any
route: metrics (outermost, so refusals are counted), allowed hosts and origins, API keys, and
the body limits."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from myna.core.errors import MynaError
from myna.core.web.auth import KeyGuard
from myna.core.web.hosts import HostGuard
from myna.core.web.limits import BodyLimitMiddleware
from myna.serve.holder import ModelHolder
from myna.serve.metrics import Metrics
from myna.serve.observers import Observer
from myna.serve.routes import mlflow_protocol, ops, predict
from myna.serve.scheduler import Scheduler
from myna.serve.settings import ServeSettings
from myna.tasks import all_tasks

log = logging.getLogger("myna.serve")
ERRORS_SHOWN = 5  # validation errors listed in a 422; the rest are counted


def _validation_message(err: RequestValidationError) -> tuple[int, str]:
    """Malformed JSON → 400 naming the position; wrong shapes → 422 naming the field."""
    errors = list(err.errors())
    first = errors[0] if errors else {}
    if first.get("type") == "json_invalid":
        ctx = first.get("ctx") or {}
        loc = first.get("loc") or ()
        where = f" at character {loc[1]}" if len(loc) > 1 else ""  # type: ignore[misc]
        return 400, f"malformed JSON{where}: {ctx.get('error', 'cannot parse the body')}"
    field = ".".join(str(p) for p in first.get("loc", []) if p != "body") or "body"
    more = f" (and {len(errors) - 1:,} more problems)" if len(errors) > 1 else ""
    return 422, f"{field}: {first.get('msg', 'invalid value')}{more}"


ObserverFactory = Callable[[Metrics], Observer]


def create_app(holder: ModelHolder, settings: ServeSettings,
               also: Sequence[ModelHolder] = (),
               observers: Sequence[ObserverFactory] = ()) -> FastAPI:
    """``also``: more models (vector indexes) whose tasks the main model does not do; each
    has its own scheduler, and their tasks' routes go to them (`myna serve MODEL --index`).
    ``observers``: what watches the answers (drift window, review queue), each made with
    the server's metrics."""
    metrics = Metrics()
    watching = [make(metrics) for make in observers]
    scheduler = Scheduler(holder, metrics, settings)
    others = [(other, Scheduler(other, metrics, settings)) for other in also]
    served: dict[str, tuple[ModelHolder, Scheduler]] = {}
    for other, its_scheduler in others:
        for task in other.current.predictor.tasks:
            if task not in holder.current.predictor.tasks:
                served.setdefault(task, (other, its_scheduler))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        for one in (scheduler, *(s for _, s in others)):
            one.start()
        for observer in watching:
            observer.start()
        yield
        for one_holder, one in ((holder, scheduler), *others):
            one_holder.stop()
            await one.stop()
        for observer in watching:  # after the schedulers: no answer comes in any more
            observer.stop()

    app = FastAPI(title="Myna model service", version="1", lifespan=lifespan,
                  docs_url="/docs" if settings.docs else None, redoc_url=None,
                  description="Entities, categories and analysis from a Myna model; "
                              "`/invocations` speaks MLflow's scoring protocol.")
    app.state.holder, app.state.settings = holder, settings
    app.state.metrics, app.state.scheduler = metrics, scheduler
    app.state.observers = watching
    app.state.served = served  # task → (holder, scheduler) of another model
    app.state.tasks = {task.name: task for task in all_tasks()}  # what the routes were built from
    for router in (predict.task_router(app.state.tasks.values()), mlflow_protocol.router,
                   ops.router):
        app.include_router(router)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, err: RequestValidationError):
        status, message = _validation_message(err)
        return JSONResponse({"error": message, "detail": _plain(err.errors()[:ERRORS_SHOWN])},
                            status)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException):
        """FastAPI's and Starlette's (unknown route, wrong method) alike."""
        message = str(err.detail)
        if err.status_code == 400 and message == "There was an error parsing the body":
            message = "malformed JSON: the body is not valid UTF-8 JSON text"
        return JSONResponse({"error": message}, err.status_code, headers=err.headers)

    @app.exception_handler(MynaError)
    async def myna_error(request: Request, err: MynaError):
        return JSONResponse({"error": str(err)}, 422)

    @app.exception_handler(Exception)
    async def server_error(request: Request, err: Exception):
        log.exception("error answering %s", request.url.path)
        return JSONResponse({"error": f"internal error ({type(err).__name__}); see the "
                                      "server log"}, 500)

    return app


def _plain(errors: Sequence[Any]) -> list:
    """Validation errors hold the offending input, which may be large or bytes: keep a short,
    JSON-safe description of it."""
    return [{"type": e.get("type"), "loc": [str(p) for p in e.get("loc", ())],
             "msg": str(e.get("msg", "")), "input": repr(e.get("input"))[:200]}
            for e in errors]


class MetricsMiddleware:
    """Counts and times every request (pure ASGI: Starlette's `@app.middleware` wrapper costs
    more per request than the model call of a small classifier)."""

    def __init__(self, app, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = {"code": 500}

        async def send_status(event):
            if event["type"] == "http.response.start":
                status["code"] = event["status"]
            await send(event)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            code = str(status["code"])
            self.metrics.requests.labels(path, code).inc()
            self.metrics.latency.labels(path).observe(time.perf_counter() - started)
            if status["code"] >= 400:
                self.metrics.errors.labels(path, code).inc()


def build_app(holder: ModelHolder, settings: ServeSettings, also: Sequence[ModelHolder] = (),
              observers: Sequence[ObserverFactory] = ()):
    """The ASGI app to serve: metrics, hosts and origins, keys, body limits, then FastAPI."""
    app = create_app(holder, settings, also, observers)
    guarded = HostGuard(KeyGuard(BodyLimitMiddleware(app, settings.max_body_bytes,
                                                     settings.body_timeout_s),
                                 settings.api_keys), settings.allowed_hosts)
    return MetricsMiddleware(guarded, app.state.metrics)
