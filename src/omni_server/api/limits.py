"""Limits on what one request may carry: the size and pace of its body.

The body limit is enforced before anything reads the body: a ``Content-Length`` over the
limit is refused at once, and a body without one (chunked) is counted as it streams in, so
no more than the limit (plus one chunk) is ever held. A client that stalls while sending its
body is refused after ``body_timeout`` seconds of silence. The head of a request (status
line and headers) is bounded by the server (uvicorn's ``h11_max_incomplete_event_size``, see
``cli.py``), before the app sees it.

The limits on the fields of a body are in :mod:`omni_server.api.reading.limits`.
"""

from __future__ import annotations

import asyncio
from typing import Final

from starlette.types import Message, Receive, Scope

from omni_server.domain import errors

TOO_LARGE: Final = "Request body is larger than {limit} bytes"
TOO_SLOW: Final = "Request body was not received in time"


def declared_too_large(scope: Scope, max_bytes: int) -> errors.PayloadTooLarge | None:
    """A refusal when the ``Content-Length`` alone is over the limit (nothing is read)."""
    declared = _content_length(scope)
    if declared is not None and declared > max_bytes:
        return errors.PayloadTooLarge(TOO_LARGE.format(limit=max_bytes))
    return None


def guard_body(receive: Receive, max_bytes: int, timeout: float) -> Receive:
    """``receive`` that raises a domain error the moment the body passes ``max_bytes`` (413)
    or stalls for ``timeout`` seconds (408), so whoever reads the body (the JSON reader, the
    idempotency fingerprint) answers through the one error mapping."""
    received = 0
    complete = False

    async def guarded() -> Message:
        nonlocal received, complete
        if complete:  # after the body: waiting for a disconnect is not limited
            return await receive()
        try:
            async with asyncio.timeout(timeout):
                message = await receive()
        except TimeoutError:
            raise errors.RequestTimeout(TOO_SLOW) from None
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            complete = not message.get("more_body", False)
            if received > max_bytes:
                raise errors.PayloadTooLarge(TOO_LARGE.format(limit=max_bytes))
        return message

    return guarded


def may_have_body(scope: Scope) -> bool:
    """Whether the request announced a body (a length or chunked transfer)."""
    for name, _ in scope.get("headers", ()):
        if name == b"content-length" or name == b"transfer-encoding":
            return True
    return False


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
