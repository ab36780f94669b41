"""What every route reads from its request: the caller, ids, query fields and the JSON body.

Routes are plain Starlette endpoints that call these readers in the order the reference
service's extractors run (caller, path, query, body), so the first problem a request has is
the one reported, with the reference's words. There is no dependency injection: each call
below is a plain function call, which keeps a poll's own overhead to a few microseconds.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from starlette.requests import Request

from omni_server.api.reading import path, query
from omni_server.api.reading.body import parse_body
from omni_server.api.reading.limits import DEFAULT_LIMITS
from omni_server.domain import errors
from omni_server.domain.paging import InvalidToken, PageRequest, decode_token
from omni_server.services.auth import KeyService, Principal
from omni_server.services.entitlements import EntitlementService
from omni_server.services.feedback import FeedbackService
from omni_server.services.idempotency import IdempotencyService
from omni_server.services.limits import RateLimiter
from omni_server.services.reads import INVALID_TOKEN, ReadService
from omni_server.services.turns import TurnService

M = TypeVar("M", bound=BaseModel)
INLINE_PARSE_BYTES = 16 * 1024
"""Bodies up to this size are parsed on the event loop (well under a millisecond)."""

ACCOUNT: Sequence[query.Field] = (query.ACCOUNT_ID,)
OPTIONAL_ACCOUNT: Sequence[query.Field] = (query.OPTIONAL_ACCOUNT_ID,)
ACCOUNT_PAGE: Sequence[query.Field] = (query.ACCOUNT_ID, query.PAGE_SIZE, query.PAGE_TOKEN)


@dataclass(frozen=True)
class Services:
    """Everything routes call, built once by the composition root."""

    keys: KeyService
    turns: TurnService
    reads: ReadService
    entitlements: EntitlementService
    feedback: FeedbackService
    idempotency: IdempotencyService
    limiter: RateLimiter = field(default_factory=lambda: RateLimiter(None))


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


async def principal(request: Request) -> Principal:
    """The caller behind the ``Authorization`` header, within its key's rate limit."""
    svc: Services = request.app.state.services
    caller = await svc.keys.authenticate(request.headers.get("authorization"))
    svc.limiter.check(caller.key_id)
    return caller


def path_id(request: Request, name: str) -> uuid.UUID:
    """The UUID in path segment ``name`` (400 ``Invalid URL`` when it does not parse)."""
    return path.parse_uuid(name, request.path_params[name])


def query_fields(request: Request, fields: Sequence[query.Field]) -> dict[str, Any]:
    raw: bytes = request.scope.get("query_string", b"")
    return query.parse_query(raw.decode("latin-1"), fields)


def account_id(request: Request) -> int:
    """The required ``account_id`` query field."""
    value: int = query_fields(request, ACCOUNT)["account_id"]
    return value


def page_request(values: dict[str, Any]) -> PageRequest:
    """The page asked for: a ``page_token`` carries its own size, else ``page_size``."""
    token = values["page_token"]
    if token is None:
        return PageRequest(size=values["page_size"])
    try:
        cursor = decode_token(token)
    except InvalidToken:
        raise errors.InvalidRequest(INVALID_TOKEN) from None
    return PageRequest(size=cursor.size, cursor=cursor)


async def json_body(request: Request, model: type[M]) -> M:
    """The body parsed into ``model`` with the contract's error texts."""
    raw = await request.body()
    limits = getattr(request.app.state, "body_limits", DEFAULT_LIMITS)
    if len(raw) <= INLINE_PARSE_BYTES:
        return parse_body(raw, model, limits)
    # A large body takes milliseconds to read; the loop keeps serving others meanwhile.
    return await asyncio.to_thread(parse_body, raw, model, limits)
