"""The access line and HTTP metrics of one request.

Called by the edge middleware (``api/edge.py``) once the answer is sent, so the request id
is known and a 500 raised by a route is counted as a 500. The route label is the matched
route's template, which keeps the metric's cardinality bounded whatever paths clients send.
"""

from __future__ import annotations

import logging

from starlette.types import Scope

from omni_server.observability import metrics
from omni_server.observability.logging import READY, SHOWN

log = logging.getLogger("omni.access")

UNMATCHED = "<unmatched>"
IN_MESSAGE = frozenset({"method", "route", "status"})
# A client may send any method token; labels stay bounded by folding the rest into one.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_of(scope: Scope) -> str:
    """The template of the route that handled the request (set by Starlette's router)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


def record(scope: Scope, status: int, seconds: float, *, line: bool) -> None:
    """Count one answered request; write its access line unless ``line`` is off (the
    metrics are kept either way: the line is most of the cost, see
    ``bench/bench_observability.py``)."""
    route = route_of(scope)
    method = scope["method"] if scope["method"] in METHODS else "OTHER"
    metrics.observe_request(route, method, status, seconds)
    if line and log.isEnabledFor(logging.INFO):
        fields = {
            "request_id": scope.get("state", {}).get("request_id"),
            "method": method,
            "route": route,
            "path": scope.get("path"),
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
        }
        log.info("%s %s %d", method, route, status, extra={READY: fields, SHOWN: IN_MESSAGE})
