"""The route table: every path the server answers, the hottest first.

Starlette's router tries routes in order, so the poll and the cancel (what clients call most)
are matched before anything else. Each endpoint is a plain ``async def (request)`` named as
its operation; its path and method come from ``api/operations.py``, the table the OpenAPI
document is built from, so the two cannot disagree.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from omni_server.api.operations import operation
from omni_server.api.routes import (
    entitlements,
    events,
    health,
    messages,
    metrics,
    responses,
    site,
    threads,
)

ENDPOINTS: tuple[Callable[[Request], Awaitable[Response]], ...] = (
    responses.get_response_by_id,
    responses.cancel_response,
    threads.create_thread,
    threads.get_threads,
    threads.get_thread_by_id,
    threads.get_messages,
    threads.create_message,
    threads.get_thread_response,
    messages.get_message_by_id,
    messages.submit_feedback,
    entitlements.get_entitlement_agreements,
    entitlements.get_entitlements,
    entitlements.create_entitlements,
    entitlements.opt_out_entitlements,
    entitlements.delete_entitlement,
    entitlements.get_entitlement_status,
    events.response_events,
    health.healthz,
    health.readyz,
)
"""Every documented operation's endpoint, named as its operation; the hottest first."""


def routes() -> list[BaseRoute]:
    served: list[BaseRoute] = []
    for endpoint in ENDPOINTS:
        declared = operation(endpoint.__name__)
        served.append(Route(declared.path, endpoint, methods=[declared.method]))
    served.append(Route("/metrics", metrics.get_metrics, methods=["GET"]))
    return [*served, *site.routes()]
