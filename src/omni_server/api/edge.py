"""The one layer around every request: its id, its checks, its limits, its log line.

Each layer of ASGI middleware costs a call and a ``send`` wrapper per message; six of them
(request id, access log, head checks, body limits, failsafe, headers) cost a poll as much as
the bare framework does. So they are steps of this one middleware, each kept in its own module:

- request id: a UUIDv4 per request, echoed as ``X-Request-Id`` and carried by log lines;
- headers: ``x-content-type-options: nosniff`` on every response, ``cache-control: no-store``
  under ``/v1`` (answers hold account data and must not be kept by shared caches);
- head checks: a NUL character in the query string or a header value is refused outright: it
  can never be stored in PostgreSQL, so refusing it here gives one answer on every database
  (a repeated query field is refused where the query is read, ``api/reading/query.py``, in
  the order the reference reports problems);
- body limits (``api/limits.py``): a ``Content-Length`` over the limit is refused before
  anything is read, and a body is counted and timed as it streams in;
- errors: whatever a route raises is answered here through the one error mapping
  (``api/errors.py``): a domain error as its 4xx or 503, the router's 404 and 405 as
  envelopes, anything unexpected as a complete 500 (details logged, never sent), and the
  exception is swallowed so the keep-alive connection stays usable. An exception after the
  answer has started cannot be answered: it is re-raised, and the server closes the
  connection, the only honest end for a half-sent answer;
- access line and HTTP metrics (``observability/access.py``), for every answer, refusals
  and 500s included.

The server banner is turned off where the server is started (``cli.py``).
"""

from __future__ import annotations

import time
import uuid
from typing import Final

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omni_server.api import errors as api_errors
from omni_server.api import limits
from omni_server.api.reading.query import QUERY_PREFIX, pairs
from omni_server.domain import errors
from omni_server.observability import access
from omni_server.observability.logging import request_id_var

API_PREFIX: Final = "/v1/"
NUL_IN_QUERY: Final = QUERY_PREFIX + "NUL characters are not allowed"
NUL_IN_HEADER: Final = "Header values must not contain NUL characters"
_NOSNIFF: Final = (b"x-content-type-options", b"nosniff")
_NO_STORE: Final = (b"cache-control", b"no-store")
_REQUEST_ID: Final = b"x-request-id"
_API_NAMES: Final = frozenset({_REQUEST_ID, _NOSNIFF[0], _NO_STORE[0]})
_OTHER_NAMES: Final = frozenset({_REQUEST_ID, _NOSNIFF[0]})


def head_error(scope: Scope) -> errors.OmniError | None:
    """Why the request's head is refused (query string, header values), or ``None``."""
    if any(b"\x00" in value for _, value in scope.get("headers", ())):
        return errors.InvalidRequest(NUL_IN_HEADER)
    raw: bytes = scope.get("query_string", b"")
    if b"\x00" in raw:
        return errors.InvalidRequest(NUL_IN_QUERY)
    if b"%00" in raw:  # only then is decoding needed to find one
        decoded = list(pairs(raw.decode("latin-1")))
        if any("\x00" in name or "\x00" in value for name, value in decoded):
            return errors.InvalidRequest(NUL_IN_QUERY)
    return None


class EdgeMiddleware:
    """The steps above, in one plain ASGI middleware (see the module docstring)."""

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, body_timeout: float, access_lines: bool
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self.access_lines = access_lines

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = str(uuid.uuid4())
        scope.setdefault("state", {})["request_id"] = rid
        # Log lines written while serving carry the id; each request runs in its own task,
        # so the value never leaks into another request.
        request_id_var.set(rid)
        api = scope["path"].startswith(API_PREFIX)
        names = _API_NAMES if api else _OTHER_NAMES
        added = [(_REQUEST_ID, rid.encode()), _NOSNIFF]
        if api:
            added.append(_NO_STORE)
        status = 500
        answered = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status, answered = message["status"], True
                kept = [h for h in message.get("headers", ()) if h[0].lower() not in names]
                message["headers"] = [*kept, *added]
            await send(message)

        try:
            refusal = head_error(scope) if api else None
            refusal = refusal or limits.declared_too_large(scope, self.max_body_bytes)
            if refusal is not None:
                response = await api_errors.on_omni_error(Request(scope), refusal)
                if isinstance(refusal, errors.PayloadTooLarge):
                    response.headers["connection"] = "close"
                await response(scope, receive, send_with_headers)
            elif limits.may_have_body(scope):
                guarded = limits.guard_body(receive, self.max_body_bytes, self.body_timeout)
                await self.app(scope, guarded, send_with_headers)
            else:
                await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            if answered:
                raise
            response = await api_errors.answer(Request(scope), exc)
            await response(scope, receive, send_with_headers)
        finally:
            seconds = time.perf_counter() - started
            access.record(scope, status, seconds, line=self.access_lines)
