"""The route table: every path the server answers, the hottest first.

Starlette's router tries routes in order, so the poll and the cancel (what clients call most)
are matched before anything else. Each endpoint is a plain ``async def (request)``; the
OpenAPI document describes the same operations from ``api/operations.py`` (a unit test checks
that the two agree).
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

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

API = "/v1/omni-ai"


def _api(method: str, path: str, endpoint: object) -> Route:
    return Route(API + path, endpoint, methods=[method])  # type: ignore[arg-type]


def routes() -> list[BaseRoute]:
    return [
        _api("GET", "/responses/{response_id}", responses.get_response_by_id),
        _api("DELETE", "/responses/{response_id}", responses.cancel_response),
        _api("POST", "/threads", threads.create_thread),
        _api("GET", "/threads", threads.get_threads),
        _api("GET", "/threads/{thread_id}", threads.get_thread_by_id),
        _api("GET", "/threads/{thread_id}/messages", threads.get_messages),
        _api("POST", "/threads/{thread_id}/messages", threads.create_message),
        _api("GET", "/threads/{thread_id}/response", threads.get_thread_response),
        _api("GET", "/messages/{message_id}", messages.get_message_by_id),
        _api("POST", "/messages/{message_id}/feedback", messages.submit_feedback),
        _api("GET", "/entitlement-agreements", entitlements.get_entitlement_agreements),
        _api("GET", "/entitlements", entitlements.get_entitlements),
        _api("POST", "/entitlements", entitlements.create_entitlements),
        _api("POST", "/entitlements/opt-out", entitlements.opt_out_entitlements),
        _api("DELETE", "/entitlements/{entitlement_id}", entitlements.delete_entitlement),
        _api("GET", "/entitlement-status", entitlements.get_entitlement_status),
        _api("GET", "/responses/{response_id}/events", events.response_events),
        Route("/healthz", health.healthz, methods=["GET"]),
        Route("/readyz", health.readyz, methods=["GET"]),
        Route("/metrics", metrics.get_metrics, methods=["GET"]),
        *site.routes(),
    ]
