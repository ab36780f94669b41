"""What every response carries and what every request's head must satisfy.

Headers: ``x-content-type-options: nosniff`` on every response, ``cache-control: no-store``
under ``/v1`` (answers hold account data and must not be kept by shared caches). The server
banner is turned off where the server is started (``cli.py``).

Request heads: a NUL character in the query string or a header value is refused outright: it
can never be stored in PostgreSQL, so refusing it here gives one answer on every database.
(A repeated query field is refused where the query is read, ``api/reading/query.py``, in the
order the reference reports problems.)
"""

from __future__ import annotations

from typing import Final

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omni_server.api import errors as api_errors
from omni_server.api.reading.query import QUERY_PREFIX, pairs
from omni_server.domain import errors

API_PREFIX: Final = "/v1/"
NUL_IN_QUERY: Final = QUERY_PREFIX + "NUL characters are not allowed"
NUL_IN_HEADER: Final = "Header values must not contain NUL characters"
_NOSNIFF: Final = (b"x-content-type-options", b"nosniff")
_NO_STORE: Final = (b"cache-control", b"no-store")


def head_error(scope: Scope) -> errors.OmniError | None:
    """Why the request's head is refused (query string, header values), or ``None``."""
    if any(b"\x00" in value for _, value in scope.get("headers", ())):
        return errors.InvalidRequest(NUL_IN_HEADER)
    raw: bytes = scope.get("query_string", b"")
    if not raw:
        return None
    text = raw.decode("latin-1")
    decoded = list(pairs(text))
    if "\x00" in text or any("\x00" in name or "\x00" in value for name, value in decoded):
        return errors.InvalidRequest(NUL_IN_QUERY)
    return None


class EdgeMiddleware:
    """Sets the headers above and refuses bad request heads before any route runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = [_NOSNIFF]
        if str(scope.get("path", "")).startswith(API_PREFIX):
            added.append(_NO_STORE)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in added}
                kept = [h for h in message.get("headers", []) if h[0].lower() not in names]
                message["headers"] = [*kept, *added]
            await send(message)

        refusal = head_error(scope) if scope["path"].startswith(API_PREFIX) else None
        if refusal is not None:
            response = await api_errors.on_omni_error(Request(scope), refusal)
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)
