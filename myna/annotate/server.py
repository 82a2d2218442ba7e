"""The annotation web server (FastAPI): the static UI and a small JSON API.

``GET /api/config`` · ``GET /api/next?session=S[&resume=1]`` · ``POST /api/answer`` (returns
after the answer is committed, with the next task) · ``POST /api/undo`` ·
``GET /api/progress?session=S``. Off loopback, every request needs the password (HTTP Basic,
any user name) or an API key (``Authorization: Bearer`` / ``X-API-Key``).

Other sites' pages cannot use the API through the annotator's browser: the ``Host`` must be
one the server was bound for (no DNS rebinding), a POST from another origin is refused, a POST
must be ``application/json`` (which a page of another site cannot send without the server's
consent) and must carry the ``X-CSRF-Token`` that only ``/api/config`` tells."""

from __future__ import annotations

import base64
import hmac
import json
import math
import secrets
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from myna.annotate.service import AnnotationService, check_session
from myna.annotate.store import UnknownExample
from myna.core.errors import InputError, MynaError
from myna.core.web.auth import key_matches, presented_key
from myna.core.web.hosts import HostGuard
from myna.core.web.limits import MB, BodyLimitMiddleware

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


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


def parse_json(raw: bytes) -> dict[str, Any]:
    """A JSON object; NaN, Infinity and numbers beyond a float's range are refused, and so is
    nesting too deep to parse."""
    try:
        data = json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise InputError("the request body is nested too deeply") from None
    except ValueError as err:  # JSONDecodeError and UnicodeDecodeError too
        raise InputError(f"the request body must be a JSON object ({err})") from None
    if not isinstance(data, dict):
        raise InputError("the request body must be a JSON object")
    return data


def _refuse(status: int, message: str) -> JSONResponse:
    return JSONResponse({"detail": message, "where": None}, status_code=status,
                        headers=SECURITY_HEADERS)


def create_app(service: AnnotationService, password: str | None = None,
               keys: list[str] | None = None, allowed_hosts: list[str] | None = None,
               ) -> FastAPI:
    app = FastAPI(title="Myna annotation", docs_url=None, redoc_url=None, openapi_url=None)
    keys = keys or []
    csrf_token = secrets.token_urlsafe(32)  # per server process; only /api/config tells it

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
        if request.method == "POST":
            kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind != "application/json":
                return _refuse(415, "send the body as application/json")
            if not hmac.compare_digest(request.headers.get("x-csrf-token", "").encode(),
                                       csrf_token.encode()):
                return _refuse(403, "missing or wrong X-CSRF-Token header (the page gets it "
                                    "from /api/config; reload the page)")
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(MynaError)
    async def bad_input(request: Request, err: MynaError):
        status = 404 if isinstance(err, UnknownExample) else 422
        return JSONResponse({"detail": err.message, "where": err.where}, status_code=status)

    async def body(request: Request) -> dict[str, Any]:
        return parse_json(await request.body())

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(str(STATIC / "index.html"))

    @app.get("/api/config")
    def config() -> dict[str, Any]:
        return {**service.config(), "csrf_token": csrf_token}

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
    app.add_middleware(BodyLimitMiddleware, max_bytes=MB, timeout_s=30.0)
    app.add_middleware(HostGuard, allowed_hosts=allowed_hosts or ["*"])  # outermost
    return app
