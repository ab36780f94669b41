"""The success envelope, request ids and fast JSON responses."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

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
