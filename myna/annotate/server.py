"""The annotation web server (FastAPI): the static UI and a small JSON API.

``GET /api/config`` · ``GET /api/next?session=S[&resume=1]`` · ``POST /api/answer`` (returns
after the answer is committed, with the next task) · ``POST /api/undo`` ·
``GET /api/progress?session=S``. Off loopback, every request needs the password (HTTP Basic,
any user name) or an API key (``Authorization: Bearer`` / ``X-API-Key``)."""

from __future__ import annotations

import base64
import hmac
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from myna.annotate.service import AnnotationService, check_session
from myna.annotate.store import UnknownExample
from myna.errors import InputError, MynaError
from myna.serve.auth import key_matches, presented_key

STATIC = resources.files("myna.annotate") / "static"
SECURITY_HEADERS = {
    # No inline script or remote resource can run: annotation text can never become code.
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                               "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _password_ok(header: str | None, password: str) -> bool:
    if not header or not header.lower().startswith("basic "):
        return False
    try:
        user_pass = base64.b64decode(header[6:]).decode()
    except (ValueError, UnicodeDecodeError):
        return False
    return hmac.compare_digest(user_pass.partition(":")[2].encode(), password.encode())


def create_app(service: AnnotationService, password: str | None = None,
               keys: list[str] | None = None) -> FastAPI:
    app = FastAPI(title="Myna annotation", docs_url=None, redoc_url=None, openapi_url=None)
    keys = keys or []

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if password or keys:
            key = presented_key(request.headers.get("authorization"),
                                request.headers.get("x-api-key"))
            allowed = (key_matches(key, keys) if keys else False) or (
                password is not None
                and _password_ok(request.headers.get("authorization"), password))
            if not allowed:
                return JSONResponse({"detail": "authentication required"}, status_code=401,
                                    headers={"WWW-Authenticate": 'Basic realm="myna"'})
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(MynaError)
    async def bad_input(request: Request, err: MynaError):
        status = 404 if isinstance(err, UnknownExample) else 422
        return JSONResponse({"detail": err.message, "where": err.where}, status_code=status)

    async def body(request: Request) -> dict[str, Any]:
        try:
            data = await request.json()
        except ValueError:
            raise InputError("the request body must be a JSON object") from None
        if not isinstance(data, dict):
            raise InputError("the request body must be a JSON object")
        return data

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(str(STATIC / "index.html"))

    @app.get("/api/config")
    def config() -> dict[str, Any]:
        return service.config()

    @app.get("/api/next")
    def next_task(session: str = "default", resume: bool = False) -> dict[str, Any]:
        session = check_session(session)
        return {"task": service.next_task(session, resume)}

    @app.post("/api/answer")
    async def answer(request: Request) -> dict[str, Any]:
        data = await body(request)
        session = check_session(data.get("session"))
        # The reply leaves only after the commit (a worker thread keeps the loop free).
        result = await run_in_threadpool(service.answer, session, data)
        # "next": false when the page still holds tasks (after an undo)
        result["task"] = (await run_in_threadpool(service.next_task, session)
                          if data.get("next", True) else None)
        return result

    @app.post("/api/undo")
    async def undo(request: Request) -> dict[str, Any]:
        session = check_session((await body(request)).get("session"))
        return {"task": await run_in_threadpool(service.undo, session)}

    @app.get("/api/progress")
    def progress(session: str = "default") -> dict[str, Any]:
        return service.progress(check_session(session))

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    return app
