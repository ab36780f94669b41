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

import orjson
from starlette.requests import Request
from starlette.responses import Response as HTTPResponse

from omni_server.api import wire
from omni_server.api.envelope import JSON, ok
from omni_server.api.live import etag, etag_matches
from omni_server.domain.lifecycle import TERMINAL
from omni_server.domain.models import Response
from omni_server.events.hub import EventHub

MAX_WAIT = 30
RENDERED = 1024
"""Responses whose poll answer (tag and JSON) is kept, the oldest dropped first."""
RENDERED_BYTES = 64 * 1024
"""A larger answer is not kept, so the memo stays within 64 MiB whatever turns produce."""

_rendered: dict[uuid.UUID, tuple[Response, str, orjson.Fragment]] = {}


def rendered(response: Response) -> tuple[str, orjson.Fragment]:
    """The ETag and the JSON of ``response`` as a poll answers it, built once per row read.

    Most polls find a response as it was: the read store then hands back the very object it
    decoded last time (``QueryStore.response``), so identity says the memo is current and a
    poll serializes nothing but its envelope. The memo holds the object, so its identity
    cannot be reused by another while it is kept; a response decoded afresh (any change, or
    PostgreSQL, which has no decode memo) is simply rendered again.
    """
    known = _kept(response)
    if known is not None:
        return known
    tag = etag(response)
    raw = orjson.dumps(wire.response(response))
    body = orjson.Fragment(raw)
    if len(raw) > RENDERED_BYTES:
        _rendered.pop(response.id, None)
        return tag, body
    if len(_rendered) >= RENDERED:
        del _rendered[next(iter(_rendered))]
    _rendered[response.id] = (response, tag, body)
    return tag, body


def tag_of(response: Response) -> str:
    """The ETag alone: from the memo when it holds this very object, else computed (a 304
    needs no JSON)."""
    known = _kept(response)
    return known[0] if known is not None else etag(response)


def _kept(response: Response) -> tuple[str, orjson.Fragment] | None:
    """The memo's tag and JSON, if it was rendered from this very object."""
    known = _rendered.get(response.id)
    return (known[1], known[2]) if known is not None and known[0] is response else None


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


def fresh(request: Request, response: Response, applied: int | None = None) -> JSON:
    tag, body = rendered(response)
    answer = ok(request, body)
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
    tag = tag_of(response)
    if not etag_matches(request.headers.get("if-none-match"), tag):
        return fresh(request, response)
    wait = wait_preference(request.headers.get("prefer"))
    if wait is None or response.status in TERMINAL:
        return not_modified(tag)
    deadline = time.monotonic() + wait
    with hub.watch(response.id, stored_only=True) as watch:
        while True:
            # Re-read after subscribing, and after every wake-up: the database is the truth.
            current = await reread(response.id)
            if tag_of(current) != tag:
                return fresh(request, current, wait)
            if not await watch.wait(deadline - time.monotonic()):
                return not_modified(tag, wait)
