"""Liveness and readiness probes (our extension, outside the contract's paths)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from omni_server.api.envelope import JSON
from omni_server.store import migrate

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> JSON:
    return JSON({"status": "ok"})


@router.get("/readyz", summary="The database is reachable and migrated")
async def readyz(request: Request) -> JSON:
    drain = getattr(request.app.state, "drain", None)
    if drain is not None and drain.draining:
        # SIGTERM received: still serving, but load balancers should send work elsewhere.
        return JSON({"status": "unavailable", "draining": True}, status_code=503)
    try:
        current = await migrate.is_current(request.app.state.db.reader)
    except Exception:
        return JSON(
            {"status": "unavailable", "database": "unreachable"},
            status_code=503,
            headers={"retry-after": "5"},
        )
    if not current:
        return JSON(
            {"status": "unavailable", "database": "not migrated"},
            status_code=503,
            headers={"retry-after": "5"},
        )
    return JSON({"status": "ok", "database": request.app.state.db.backend})
