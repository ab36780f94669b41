"""Liveness and readiness probes (our extension, outside the contract's paths)."""

from __future__ import annotations

from starlette.requests import Request

from omni_server.api.envelope import JSON


async def healthz(_request: Request) -> JSON:
    """The process is up."""
    return JSON({"status": "ok"})


async def readyz(request: Request) -> JSON:
    """The database answers, is migrated, and is the configured file."""
    drain = getattr(request.app.state, "drain", None)
    if drain is not None and drain.draining:
        # SIGTERM received: still serving, but load balancers should send work elsewhere.
        return JSON({"status": "unavailable", "draining": True}, status_code=503)
    problem = await request.app.state.probe.problem()
    if problem is not None:
        return JSON(
            {"status": "unavailable", "database": problem},
            status_code=503,
            headers={"retry-after": "5"},
        )
    return JSON(
        {
            "status": "ok",
            "database": request.app.state.db.backend,
            "engine": request.app.state.engine_name,
        }
    )
