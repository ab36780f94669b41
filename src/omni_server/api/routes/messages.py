"""Messages: a finalized message by id."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request

from omni_server.api import wire
from omni_server.api.deps import AccountId, Caller, Svc
from omni_server.api.envelope import JSON, ok

router = APIRouter(prefix="/v1/omni-ai", tags=["messages"])

MessageId = Annotated[uuid.UUID, Path(description="Message identifier (UUID).")]


@router.get("/messages/{message_id}", summary="Get a finalized message")
async def get_message_by_id(
    request: Request, caller: Caller, svc: Svc, message_id: MessageId, account_id: AccountId
) -> JSON:
    return ok(request, wire.message(await svc.reads.message(caller, account_id, message_id)))
