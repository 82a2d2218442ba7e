"""The FastAPI application: routes, JSON errors for every bad request, metrics, micro-batching.

`build_app` returns the ASGI app to serve: FastAPI wrapped in the body-size limit, so an
oversized body is refused before it is read."""

from __future__ import annotations

import time
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from myna.errors import MynaError
from myna.serve.batching import MicroBatcher
from myna.serve.holder import ModelHolder
from myna.serve.limits import BodyLimitMiddleware
from myna.serve.metrics import Metrics
from myna.serve.routes import mlflow_protocol, ops, predict
from myna.serve.settings import ServeSettings


def _validation_message(err: RequestValidationError) -> tuple[int, str]:
    """Malformed JSON → 400 naming the position; wrong shapes → 422 naming the field."""
    first = err.errors()[0] if err.errors() else {}
    if first.get("type") == "json_invalid":
        ctx = first.get("ctx") or {}
        loc = first.get("loc") or ()
        where = f" at character {loc[1]}" if len(loc) > 1 else ""
        return 400, f"malformed JSON{where}: {ctx.get('error', 'cannot parse the body')}"
    field = ".".join(str(p) for p in first.get("loc", []) if p != "body") or "body"
    return 422, f"{field}: {first.get('msg', 'invalid value')}"


def create_app(holder: ModelHolder, settings: ServeSettings) -> FastAPI:
    metrics = Metrics()
    batcher = MicroBatcher(holder, metrics, settings.max_batch, settings.max_wait_ms)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        batcher.start()
        yield
        holder.stop()
        await batcher.stop()

    app = FastAPI(title="Myna model service", version="1", lifespan=lifespan,
                  description="Entities, categories and analysis from a Myna model; "
                              "`/invocations` speaks MLflow's scoring protocol.")
    app.state.holder, app.state.settings = holder, settings
    app.state.metrics, app.state.batcher = metrics, batcher
    for router in (predict.router, mlflow_protocol.router, ops.router):
        app.include_router(router)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, err: RequestValidationError):
        status, message = _validation_message(err)
        return JSONResponse({"error": message, "detail": _plain(err.errors())}, status)

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

    return app


def _plain(errors: list) -> list:
    """Validation errors hold the offending input, which may be large or bytes: keep a short,
    JSON-safe description of it."""
    return [{"type": e.get("type"), "loc": [str(p) for p in e.get("loc", ())],
             "msg": str(e.get("msg", "")), "input": repr(e.get("input"))[:200]}
            for e in errors]


class MetricsMiddleware:
    """Counts and times every request (pure ASGI: Starlette's `@app.middleware` wrapper costs
    more per request than the model call of a small classifier)."""

    def __init__(self, app: FastAPI):
        self.app = app
        self.metrics: Metrics = app.state.metrics

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


def build_app(holder: ModelHolder, settings: ServeSettings):
    """The ASGI app to serve: size limit outermost, then metrics, then FastAPI."""
    return BodyLimitMiddleware(MetricsMiddleware(create_app(holder, settings)),
                               settings.max_body_bytes)
