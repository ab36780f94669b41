"""Unexpected errors end as a complete 500, and the connection stays usable.

Starlette answers an unhandled exception with the 500 handler and then re-raises it, so that
servers can log it; uvicorn, seeing an exception after a complete response, closes the
connection, and the client's next request on that keep-alive connection fails with a reset.
This middleware sits inside Starlette's error layer: it answers the 500 itself (through the
one error mapping, which logs the details) and swallows the exception. An exception after
the response has started cannot be answered: it is re-raised, and the server closes the
connection, the only honest end for a half-sent response.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omni_server.api import errors as api_errors


class FailsafeMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                raise
            response = await api_errors.on_unexpected(Request(scope), exc)
            await response(scope, receive, send)
