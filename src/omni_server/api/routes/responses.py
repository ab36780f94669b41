"""Responses: poll a turn, cancel a turn."""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import Response as HTTPResponse

from omni_server.api import polling, wire
from omni_server.api.deps import account_id, path_id, principal, services
from omni_server.api.envelope import JSON, ok
from omni_server.domain.models import Response


async def get_response_by_id(request: Request) -> HTTPResponse:
    caller = await principal(request)
    response_id = path_id(request, "response_id")
    account = account_id(request)
    reads = services(request).reads
    response = await reads.response(caller, account, response_id)

    async def reread(rid: uuid.UUID) -> Response:
        return await reads.response(caller, account, rid)

    return await polling.answer(request, response, reread, request.app.state.events)


async def cancel_response(request: Request) -> JSON:
    caller = await principal(request)
    response_id = path_id(request, "response_id")
    account = account_id(request)
    result = await services(request).turns.cancel(caller, account, response_id)
    return ok(request, wire.canceled(result))
