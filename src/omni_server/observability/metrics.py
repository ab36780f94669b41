"""The Prometheus metrics and the small hooks that feed them.

Labels are bounded on purpose: HTTP metrics are labelled with the route *template*
(``/v1/omni-ai/responses/{response_id}``), never the raw path, and error codes come from the
engine's small vocabulary. ``omni_responses_active`` is read from the database at scrape time
(see :func:`set_active`), so it is right across restarts and across processes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

# Turns last from milliseconds (a poll) to minutes (a long engine run).
_TURN_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)

HTTP_REQUESTS = Counter(
    "omni_http_requests_total",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
HTTP_DURATION = Histogram(
    "omni_http_request_duration_seconds",
    "Time from the request's arrival to the end of its answer.",
    ["route", "method"],
)
RESPONSES = Counter("omni_responses_total", "Responses that reached a terminal status.", ["status"])
RESPONSES_ACTIVE = Gauge(
    "omni_responses_active",
    "Responses queued or running, counted in the database at scrape time.",
    ["status"],
)
QUEUE_SECONDS = Histogram(
    "omni_response_queue_seconds",
    "Time a response waited in queued before a worker claimed it.",
    buckets=_TURN_BUCKETS,
)
RUN_SECONDS = Histogram(
    "omni_response_run_seconds",
    "Time from a worker's claim to the terminal status.",
    buckets=_TURN_BUCKETS,
)
ENGINE_ERRORS = Counter("omni_engine_errors_total", "Turns that failed, by error code.", ["code"])
RATE_LIMITED = Counter(
    "omni_rate_limited_total",
    "Requests refused with 429, by limit (rate: request rate; active: active turns).",
    ["limit"],
)

CONTENT_TYPE = CONTENT_TYPE_LATEST


_REQUEST_CHILDREN: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}


def observe_request(route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered HTTP request.

    The labelled children are kept in a dict (bounded: route templates x methods x statuses),
    which skips prometheus-client's label validation and lock on the hot path.
    """
    key = (route, method, status)
    children = _REQUEST_CHILDREN.get(key)
    if children is None:
        children = _REQUEST_CHILDREN[key] = (
            HTTP_REQUESTS.labels(route, method, str(status)),
            HTTP_DURATION.labels(route, method),
        )
    children[0].inc()
    children[1].observe(seconds)


def observe_terminal(
    status: str,
    queued_at: datetime,
    started_at: datetime | None,
    finished_at: datetime | None,
) -> None:
    """Count a response that just became terminal, with its queue and run times.

    Call it once per terminal write that *won* (the store returned the row): the compare-and-set
    guarantees that exactly one caller does, so the counter never counts a turn twice. A turn
    canceled while queued has no run time and its queue time ends at the cancel.
    """
    RESPONSES.labels(status).inc()
    if finished_at is None:
        return
    queue_end = started_at or finished_at
    QUEUE_SECONDS.observe(max(0.0, (queue_end - queued_at).total_seconds()))
    if started_at is not None:
        RUN_SECONDS.observe(max(0.0, (finished_at - started_at).total_seconds()))


def engine_error(code: str) -> None:
    """Count a turn that failed with ``code`` (``engine_error``, ``timeout``, ...)."""
    ENGINE_ERRORS.labels(code).inc()


def rate_limited(limit: str) -> None:
    """Count a request refused with 429 by ``limit`` (``rate`` or ``active``)."""
    RATE_LIMITED.labels(limit).inc()


def set_active(counts: Mapping[str, int]) -> None:
    """Set ``omni_responses_active`` from a fresh count per active status (missing means 0)."""
    for status in ("queued", "running"):
        RESPONSES_ACTIVE.labels(status).set(counts.get(status, 0))


def render() -> bytes:
    """The exposition text of every metric in the default registry."""
    return generate_latest()
