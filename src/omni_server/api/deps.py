"""Request dependencies: the caller, the page asked for, the parsed JSON body."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel

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
    """The services of the app serving ``request`` (called in route bodies, not injected:
    every injected dependency costs a resolution step on every request)."""
    svc: Services = request.app.state.services
    return svc


async def principal(request: Request) -> Principal:
    """The caller behind the ``Authorization`` header (bearer auth is declared for the whole
    API in the OpenAPI document by ``app.py``)."""
    svc: Services = request.app.state.services
    caller = await svc.keys.authenticate(request.headers.get("authorization"))
    svc.limiter.check(caller.key_id)
    return caller


async def page_request(
    page_size: Annotated[
        int, Query(ge=1, le=100, description="Items per page (used without page_token).")
    ] = 100,
    page_token: Annotated[
        str | None, Query(description="Base64URL token from next_page_token/previous_page_token.")
    ] = None,
) -> PageRequest:
    if page_token is None:
        return PageRequest(size=page_size)
    try:
        cursor = decode_token(page_token)
    except InvalidToken:
        raise errors.InvalidRequest(INVALID_TOKEN) from None
    return PageRequest(size=cursor.size, cursor=cursor)


def json_body(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A dependency that parses the body into ``model`` with the contract's error texts."""

    async def parse(request: Request) -> M:
        raw = await request.body()
        limits = getattr(request.app.state, "body_limits", DEFAULT_LIMITS)
        if len(raw) <= INLINE_PARSE_BYTES:
            return parse_body(raw, model, limits)
        # A large body takes milliseconds to read; the loop keeps serving others meanwhile.
        return await asyncio.to_thread(parse_body, raw, model, limits)

    return parse


def body_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` describing a JSON body parsed by :func:`json_body`."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


Caller = Annotated[Principal, Depends(principal)]
I64_MIN, I64_MAX = -(2**63), 2**63 - 1
AccountId = Annotated[
    int, Query(ge=I64_MIN, le=I64_MAX, description="Trading account the request acts for.")
]
OptionalAccountId = Annotated[
    int | None,
    Query(
        ge=I64_MIN,
        le=I64_MAX,
        description="One account to cover; omit for every account the key may act for.",
    ),
]
Paging = Annotated[PageRequest, Depends(page_request)]
