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

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omni_server.api import errors as api_errors
from omni_server.domain import errors

TOO_LARGE: Final = "Request body is larger than {limit} bytes"
TOO_SLOW: Final = "Request body was not received in time"


class BodyLimitMiddleware:
    """Refuse bodies over ``max_bytes`` (413) and bodies that stall (408), before reading them.

    A plain ASGI middleware: it wraps ``receive`` so that whoever reads the body (the JSON
    dependency, the idempotency fingerprint) gets a domain error the moment the limit is
    passed, answered through the one error mapping.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, timeout: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            refusal = errors.PayloadTooLarge(TOO_LARGE.format(limit=self.max_bytes))
            response = await api_errors.on_omni_error(Request(scope), refusal)
            response.headers["connection"] = "close"
            await response(scope, receive, send)
            return
        await self.app(scope, self._guard(receive), send)

    def _guard(self, receive: Receive) -> Receive:
        received = 0
        complete = False

        async def guarded() -> Message:
            nonlocal received, complete
            if complete:  # after the body: waiting for a disconnect is not limited
                return await receive()
            try:
                async with asyncio.timeout(self.timeout):
                    message = await receive()
            except TimeoutError:
                raise errors.RequestTimeout(TOO_SLOW) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if received > self.max_bytes:
                    raise errors.PayloadTooLarge(TOO_LARGE.format(limit=self.max_bytes))
            return message

        return guarded


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
