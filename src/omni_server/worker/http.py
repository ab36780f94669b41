"""The small HTTP side of ``omni worker --port``: liveness, readiness and metrics.

A worker serves no API; these three routes let an orchestrator probe it and Prometheus
scrape it like an API server. ``/metrics`` renders the default ``prometheus_client``
registry, so whatever metrics the process defines appear there without wiring.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import uvicorn
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from omni_server.observability import metrics as observability
from omni_server.store import migrate
from omni_server.store.db import Database
from omni_server.store.stats import StatsStore


def worker_app(
    db: Database, *, draining: Callable[[], bool], running: Callable[[], int]
) -> Starlette:
    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "running": running()})

    async def readyz(_request: Request) -> Response:
        if draining():
            return JSONResponse({"status": "unavailable", "draining": True}, status_code=503)
        try:
            current = await migrate.is_current(db.reader)
        except Exception:
            current = None
        if not current:
            state = "unreachable" if current is None else "not migrated"
            return JSONResponse(
                {"status": "unavailable", "database": state},
                status_code=503,
                headers={"retry-after": "5"},
            )
        return JSONResponse({"status": "ok", "database": db.backend})

    async def metrics(_request: Request) -> Response:
        with contextlib.suppress(Exception):  # the other metrics still tell the operator much
            observability.set_active(await StatsStore(db).active_responses())
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
        ]
    )


class EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signals to its host (the worker drains first)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
