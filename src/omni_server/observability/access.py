"""The access line and HTTP metrics: one ASGI middleware, one line per request.

It sits inside the request-id middleware (so the id is known) and outside the routes (so a
500 raised by a route is still counted, as a 500). The route label is the matched route's
template, which keeps the metric's cardinality bounded whatever paths clients send.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omni_server.observability import metrics

log = logging.getLogger("omni.access")

UNMATCHED = "<unmatched>"
# A client may send any method token; labels stay bounded by folding the rest into one.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_of(scope: Scope) -> str:
    """The template of the route that handled the request (set by Starlette's router)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class AccessMiddleware:
    """Counts every request; writes its access line unless ``lines`` is off (the metrics are
    kept either way: the line is most of the cost, see ``bench/bench_observability.py``)."""

    def __init__(self, app: ASGIApp, *, lines: bool = True) -> None:
        self.app = app
        self.lines = lines

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            seconds = time.perf_counter() - started
            route = route_of(scope)
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            metrics.observe_request(route, method, status, seconds)
            if self.lines and log.isEnabledFor(logging.INFO):
                log.info(
                    "%s %s %d",
                    method,
                    route,
                    status,
                    extra={
                        "request_id": scope.get("state", {}).get("request_id"),
                        "method": method,
                        "route": route,
                        "path": scope.get("path"),
                        "status": status,
                        "duration_ms": round(seconds * 1000, 3),
                    },
                )
