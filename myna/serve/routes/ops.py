"""`/health` (the process is up), `/ready` (a model is loaded), `/metrics` (Prometheus),
`/monitor` (the last drift check of `serve --monitor`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from myna.serve.routes.common import served_tasks
from myna.serve.schemas import HealthOut, ReadyOut

router = APIRouter()


@router.get("/health", response_model=HealthOut)
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", response_model=ReadyOut)
async def ready(request: Request) -> dict[str, Any]:
    loaded = request.app.state.holder.current
    return {"ready": True, "model": loaded.source, "version": loaded.version,
            "tasks": served_tasks(request), "labels": loaded.predictor.labels}


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}})
async def metrics(request: Request) -> Response:
    return Response(request.app.state.metrics.render(),
                    media_type="text/plain; version=0.0.4; charset=utf-8")


@router.get("/monitor")
async def monitor(request: Request) -> dict[str, Any]:
    """The last drift check of the rolling window (`myna serve --monitor`), as JSON."""
    from myna.serve.observers import DriftWatch

    watch = next((o for o in request.app.state.observers if isinstance(o, DriftWatch)), None)
    if watch is None:
        return {"monitoring": False}
    return {"monitoring": True, "task": watch.task.name, "window": len(watch.window),
            "seen": watch.seen, "every_s": watch.every_s, "last": watch.last}
