"""Responses: poll a turn, cancel a turn."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import Response as HTTPResponse

from clear_street import types
from omni_server.api import polling, wire
from omni_server.api.deps import AccountId, Caller, services
from omni_server.api.docs import documented
from omni_server.api.envelope import JSON, ok
from omni_server.domain.models import Response

router = APIRouter(prefix="/v1/omni-ai", tags=["responses"])

ResponseId = Annotated[uuid.UUID, Path(description="Response identifier (UUID).")]


_POLL_DOC: dict[int | str, dict[str, object]] = {
    304: {"description": "Unchanged since the `If-None-Match` tag (after `Prefer: wait=N`)."}
}


@router.get(
    "/responses/{response_id}",
    **documented(types.ResponseGetResponseByIDResponse, 403, 404, extra=_POLL_DOC),
    summary="Poll a response (partial content while active)",
)
async def get_response_by_id(
    request: Request, caller: Caller, response_id: ResponseId, account_id: AccountId
) -> HTTPResponse:
    svc = services(request)
    response = await svc.reads.response(caller, account_id, response_id)

    async def reread(rid: uuid.UUID) -> Response:
        return await svc.reads.response(caller, account_id, rid)

    return await polling.answer(request, response, reread, request.app.state.events)


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
    return ok(request, wire.canceled(result))
