"""THE mapping from errors to HTTP: the contract's envelope, status codes and retry headers.

Everything a caller can get wrong ends here as a clear 4xx; anything else is a 500 with a
generic message (the details go to the log, never to the client).
"""

from __future__ import annotations

import logging
import math
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from omni_server.api.envelope import JSON, request_id
from omni_server.api.reading import path, query
from omni_server.api.reading.texts import missing_field
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


def translate(exc: RequestValidationError) -> errors.OmniError:
    """FastAPI's first parameter error, in the words of the contract.

    FastAPI glue: it goes with FastAPI, once routes read their path and query with
    :mod:`omni_server.api.reading`. Precedence follows the Rust server: a bad path id, then
    a query value that does not parse, then a missing parameter, then the ``page_size``
    range rule.
    """
    ranked: list[tuple[int, errors.InvalidRequest]] = []
    for error in exc.errors():
        loc = tuple(error.get("loc") or ())
        if len(loc) >= 2 and loc[0] in ("path", "query"):
            value = error.get("input")
            text = value if isinstance(value, str) else None
            ranked.append(_parameter_refusal(loc[0], str(loc[-1]), error.get("type"), text))
    if not ranked:
        return query.refusal("invalid parameters")
    return min(ranked, key=lambda pair: pair[0])[1]


def _parameter_refusal(
    where: str, name: str, kind: object, text: str | None
) -> tuple[int, errors.InvalidRequest]:
    if where == "path":
        try:
            path.parse_uuid(name, text or "")
        except errors.InvalidRequest as refusal:
            return 0, refusal
    if kind == "missing" or text is None:
        return 2, query.refusal(missing_field(name))
    try:
        number = query.parse_i64(text)
    except errors.InvalidRequest as refusal:
        return 1, refusal
    if name == "page_size" and not 1 <= number <= 100:
        return 3, query.refusal(query.PAGE_SIZE_RULE)
    return 1, query.refusal(f"{name}: invalid value")


async def on_request_validation(request: Request, exc: Exception) -> JSON:
    assert isinstance(exc, RequestValidationError)
    return await on_omni_error(request, translate(exc))


async def on_http_exception(request: Request, exc: Exception) -> JSON:
    assert isinstance(exc, StarletteHTTPException)
    response = envelope(request, exc.status_code, str(exc.detail))
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def on_unexpected(request: Request, exc: Exception) -> JSON:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return envelope(request, 500, "Internal server error")


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.OmniError, on_omni_error)
    app.add_exception_handler(RequestValidationError, on_request_validation)
    app.add_exception_handler(StarletteHTTPException, on_http_exception)
    app.add_exception_handler(Exception, on_unexpected)
