"""Cheap polling: ``ETag``/``If-None-Match`` and long polls with ``Prefer: wait=N``.

A poll whose ``If-None-Match`` names the current tag gets 304 with no body. With
``Prefer: wait=N`` (RFC 7240, N capped at :data:`MAX_WAIT`) the answer is held until the
response changes in the database (200) or N seconds pass (304); a held answer says
``Preference-Applied: wait=N``. A terminal response cannot change, so it gets 304 at once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response as HTTPResponse

from omni_server.api import wire
from omni_server.api.envelope import JSON, ok
from omni_server.api.live import etag, etag_matches
from omni_server.domain.lifecycle import TERMINAL
from omni_server.domain.models import Response
from omni_server.events.hub import EventHub

MAX_WAIT = 30


def wait_preference(header: str | None) -> int | None:
    """Seconds asked for by ``Prefer: wait=N`` (capped), or ``None``."""
    for token in (header or "").split(","):
        name, _, value = token.partition("=")
        if name.strip().lower() == "wait":
            try:
                return min(max(int(value.strip().strip('"')), 0), MAX_WAIT)
            except ValueError:
                return None
    return None


def fresh(request: Request, response: Response, tag: str, applied: int | None = None) -> JSON:
    answer = ok(request, wire.response(response))
    answer.headers["etag"] = tag
    if applied is not None:
        answer.headers["preference-applied"] = f"wait={applied}"
    return answer


def not_modified(tag: str, applied: int | None = None) -> HTTPResponse:
    headers = {"etag": tag}
    if applied is not None:
        headers["preference-applied"] = f"wait={applied}"
    return HTTPResponse(status_code=304, headers=headers)


async def answer(
    request: Request,
    response: Response,
    reread: Callable[[uuid.UUID], Awaitable[Response]],
    hub: EventHub,
) -> HTTPResponse:
    """The poll's answer for ``response`` given the request's validators and preference."""
    tag = etag(response)
    if not etag_matches(request.headers.get("if-none-match"), tag):
        return fresh(request, response, tag)
    wait = wait_preference(request.headers.get("prefer"))
    if wait is None or response.status in TERMINAL:
        return not_modified(tag)
    deadline = time.monotonic() + wait
    with hub.watch(response.id, stored_only=True) as watch:
        while True:
            # Re-read after subscribing, and after every wake-up: the database is the truth.
            current = await reread(response.id)
            if etag(current) != tag:
                return fresh(request, current, etag(current), wait)
            if not await watch.wait(deadline - time.monotonic()):
                return not_modified(tag, wait)
