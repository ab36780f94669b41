"""Responses: poll a turn, cancel a turn."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request

from clear_street import types
from omni_server.api import wire
from omni_server.api.deps import AccountId, Caller, services
from omni_server.api.docs import documented
from omni_server.api.envelope import JSON, ok

router = APIRouter(prefix="/v1/omni-ai", tags=["responses"])

ResponseId = Annotated[uuid.UUID, Path(description="Response identifier (UUID).")]


@router.get(
    "/responses/{response_id}",
    **documented(types.ResponseGetResponseByIDResponse, 403, 404),
    summary="Poll a response (partial content while active)",
)
async def get_response_by_id(
    request: Request, caller: Caller, response_id: ResponseId, account_id: AccountId
) -> JSON:
    svc = services(request)
    return ok(request, wire.response(await svc.reads.response(caller, account_id, response_id)))


@router.delete(
    "/responses/{response_id}",
    **documented(types.ResponseCancelResponseResponse, 403, 404),
    summary="Cancel a response (synchronous, idempotent)",
)
async def cancel_response(
    request: Request, caller: Caller, response_id: ResponseId, account_id: AccountId
) -> JSON:
    svc = services(request)
    result = await svc.turns.cancel(caller, account_id, response_id)
    return ok(request, {"canceled": result.canceled})
