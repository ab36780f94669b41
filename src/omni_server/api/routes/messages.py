"""Messages: a finalized message by id, and feedback on it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from clear_street import types
from omni_server.api import wire
from omni_server.api.deps import AccountId, Caller, body_schema, json_body, services
from omni_server.api.docs import documented
from omni_server.api.envelope import JSON, ok
from omni_server.api.reading.models import CreateFeedbackRequest
from omni_server.services.feedback import FeedbackInput

router = APIRouter(prefix="/v1/omni-ai", tags=["messages"])

MessageId = Annotated[uuid.UUID, Path(description="Message identifier (UUID).")]


@router.get(
    "/messages/{message_id}",
    summary="Get a finalized message",
    **documented(types.MessageGetMessageByIDResponse, 403, 404),
)
async def get_message_by_id(
    request: Request, caller: Caller, message_id: MessageId, account_id: AccountId
) -> JSON:
    svc = services(request)
    return ok(request, wire.message(await svc.reads.message(caller, account_id, message_id)))


@router.post(
    "/messages/{message_id}/feedback",
    **documented(types.MessageSubmitFeedbackResponse, 403, 404, 422),
    summary="Rate a finalized assistant message (every call records new feedback)",
    openapi_extra=body_schema(CreateFeedbackRequest),
)
async def submit_feedback(
    request: Request,
    caller: Caller,
    message_id: MessageId,
    body: Annotated[CreateFeedbackRequest, Depends(json_body(CreateFeedbackRequest))],
) -> JSON:
    svc = services(request)
    given = FeedbackInput(score=body.score, comment=body.comment, metadata=body.metadata)
    record = await svc.feedback.submit(caller, body.account_id, message_id, given)
    return ok(request, wire.feedback(record))
