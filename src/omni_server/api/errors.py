"""THE mapping from errors to HTTP: the contract's envelope, status codes and retry headers.

Everything a caller can get wrong ends here as a clear 4xx; anything else is a 500 with a
generic message (the details go to the log, never to the client).
"""

from __future__ import annotations

import logging
import math
from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request

from omni_server.api.envelope import JSON, request_id
from omni_server.domain import errors
from omni_server.observability import metrics

log = logging.getLogger("omni.api")

STATUS: dict[type[errors.OmniError], int] = {
    errors.InvalidRequest: 400,
    errors.Unauthenticated: 401,
    errors.PermissionDenied: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.InvalidBody: 422,
    errors.TooManyRequests: 429,
    errors.Unavailable: 503,
    errors.PayloadTooLarge: 413,
    errors.RequestTimeout: 408,
}


def envelope(
    request: Request,
    status: int,
    message: str,
    details: list[dict[str, Any]] | None = None,
    *,
    retry_after: float = 5,
) -> JSON:
    error: dict[str, Any] = {"code": status, "message": message}
    if details:
        error["details"] = details
    rid = request_id(request)
    headers = {"x-request-id": rid}
    if 400 <= status < 500 and status not in (408, 429):
        headers["x-should-retry"] = "false"
    if status in (429, 503):
        headers["retry-after"] = str(max(1, math.ceil(retry_after)))
        headers["x-should-retry"] = "true"
    body = {"error": error, "metadata": {"request_id": rid}}
    return JSON(body, status_code=status, headers=headers)


def status_of(exc: errors.OmniError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


async def on_omni_error(request: Request, exc: Exception) -> JSON:
    assert isinstance(exc, errors.OmniError)
    if isinstance(exc, errors.TooManyRequests):
        metrics.rate_limited(exc.limit)
        return envelope(request, 429, exc.message, retry_after=exc.retry_after)
    if isinstance(exc, errors.Busy):  # a lock is held for moments, not minutes
        return envelope(request, 503, exc.message, retry_after=1)
    return envelope(request, status_of(exc), exc.message, exc.details)


async def on_http_exception(request: Request, exc: Exception) -> JSON:
    assert isinstance(exc, StarletteHTTPException)
    response = envelope(request, exc.status_code, str(exc.detail))
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def on_unexpected(request: Request, exc: Exception) -> JSON:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return envelope(request, 500, "Internal server error")


async def answer(request: Request, exc: Exception) -> JSON:
    """The answer to any exception a request raised (called by ``api/edge.py``)."""
    if isinstance(exc, errors.OmniError):
        return await on_omni_error(request, exc)
    if isinstance(exc, StarletteHTTPException):
        return await on_http_exception(request, exc)
    return await on_unexpected(request, exc)
