"""Messages: a finalized message by id, and feedback on it."""

from __future__ import annotations

from starlette.requests import Request

from omni_server.api import wire
from omni_server.api.deps import account_id, json_body, path_id, principal, services
from omni_server.api.envelope import JSON, ok
from omni_server.api.reading.models import CreateFeedbackRequest
from omni_server.services.feedback import FeedbackInput


async def get_message_by_id(request: Request) -> JSON:
    caller = await principal(request)
    message_id = path_id(request, "message_id")
    account = account_id(request)
    found = await services(request).reads.message(caller, account, message_id)
    return ok(request, wire.message(found))


async def submit_feedback(request: Request) -> JSON:
    caller = await principal(request)
    message_id = path_id(request, "message_id")
    body = await json_body(request, CreateFeedbackRequest)
    given = FeedbackInput(score=body.score, comment=body.comment, metadata=body.metadata)
    record = await services(request).feedback.submit(caller, body.account_id, message_id, given)
    return ok(request, wire.feedback(record))
