"""The success envelope, request ids and fast JSON responses."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omni_server.observability.logging import request_id_var

REQUEST_ID_HEADER = "x-request-id"


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id") or uuid.uuid4())


def ok(request: Request, data: Any, **metadata: Any) -> JSON:
    """``{"data": ..., "metadata": {"request_id": ...}}`` with HTTP 200."""
    return JSON({"data": data, "metadata": {"request_id": request_id(request), **metadata}})


class RequestIdMiddleware:
    """Gives every request a UUIDv4 id, echoed as ``X-Request-Id`` on every response.

    A plain ASGI middleware (not ``BaseHTTPMiddleware``) keeps polls cheap.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = str(uuid.uuid4())
        scope.setdefault("state", {})["request_id"] = rid
        # Log lines written while serving (errors included) carry the id; each request runs
        # in its own task, so the value never leaks into another request.
        request_id_var.set(rid)
        header = (REQUEST_ID_HEADER.encode(), rid.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *(h for h in message.get("headers", []) if h[0].lower() != header[0]),
                    header,
                ]
            await send(message)

        await self.app(scope, receive, send_with_id)
