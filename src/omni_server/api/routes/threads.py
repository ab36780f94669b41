"""Threads: create (with the first turn), list, read, history, continue, active response."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request

from clear_street import types
from omni_server.api import wire
from omni_server.api.deps import (
    AccountId,
    Caller,
    Paging,
    Services,
    body_schema,
    json_body,
    services,
)
from omni_server.api.docs import documented
from omni_server.api.envelope import JSON, ok
from omni_server.api.reading.models import CreateMessageRequest, CreateThreadRequest, TurnContext
from omni_server.domain.ids import isoformat
from omni_server.domain.models import Mode, TurnRequest
from omni_server.services.auth import Principal
from omni_server.services.idempotency import request_fingerprint

router = APIRouter(prefix="/v1/omni-ai", tags=["threads"])

ThreadId = Annotated[uuid.UUID, Path(description="Thread identifier (UUID).")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Makes the request safe to retry (1 to 255 characters). The same key, "
        "from the same API key within 24 hours, with the same method, path and JSON body "
        "(whitespace and key order aside) replays the first request's 200 answer (same "
        "ids, a new `request_id`, header `Idempotent-Replayed: true`) and starts nothing; "
        "with a different request it is refused with 422 `Idempotency-Key was already used "
        "with a different request`. Errors are not remembered: after a 4xx the key is free "
        "again. A repeat that arrives while the first request is still running waits for "
        "its answer.",
        json_schema_extra={"minLength": 1, "maxLength": 255},
    ),
]
REPLAYED_HEADER = "idempotent-replayed"
_REPLAY_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "Idempotent-Replayed": {
                "description": "`true` when the answer is a replay of an earlier request "
                "with the same `Idempotency-Key`.",
                "schema": {"type": "string", "enum": ["true"]},
            }
        }
    }
}


def _context(value: TurnContext | None) -> dict[str, Any] | None:
    """The snapshots as stored and served back: ``captured_at`` in the API's timestamp form."""
    if value is None:
        return None
    items: list[dict[str, Any]] = []
    for item in value.items:
        dumped = item.model_dump(mode="json", exclude={"captured_at"})
        if item.captured_at is not None:
            dumped["captured_at"] = isoformat(item.captured_at)
        items.append(dumped)
    return {"items": items}


async def _once(
    request: Request,
    svc: Services,
    caller: Principal,
    key: str | None,
    start: Callable[[], Awaitable[dict[str, Any]]],
) -> JSON:
    """Run ``start`` once per ``Idempotency-Key`` (or every time without one)."""
    if key is None:
        return ok(request, await start())
    fingerprint = request_fingerprint(request.method, request.url.path, await request.body())
    outcome = await svc.idempotency.run(caller.key_id, key, fingerprint, start)
    answer = ok(request, outcome.data)
    if outcome.replayed:
        answer.headers[REPLAYED_HEADER] = "true"
    return answer


def _turn_from_thread(body: CreateThreadRequest) -> TurnRequest:
    return TurnRequest(
        mode=Mode(body.type),
        text=body.text or "",
        capabilities=tuple(body.capabilities or ()),
        target=None if body.target is None else body.target.model_dump(mode="json"),
        thesis=body.thesis,
        context=_context(body.context),
    )


def _turn_from_message(body: CreateMessageRequest) -> TurnRequest:
    return TurnRequest(
        mode=Mode.INSTANT,
        text=body.text,
        capabilities=tuple(body.capabilities or ()),
        context=_context(body.context),
    )


@router.post(
    "/threads",
    **documented(types.ThreadCreateThreadResponse, 403, 409, 422, extra=_REPLAY_DOC),
    summary="Create a thread and submit its first turn",
    openapi_extra=body_schema(CreateThreadRequest),
)
async def create_thread(
    request: Request,
    caller: Caller,
    body: Annotated[CreateThreadRequest, Depends(json_body(CreateThreadRequest))],
    idempotency_key: IdempotencyKey = None,
) -> JSON:
    svc = services(request)

    async def start() -> dict[str, Any]:
        turn = _turn_from_thread(body)
        return wire.accepted(await svc.turns.create_thread(caller, body.account_id, turn))

    return await _once(request, svc, caller, idempotency_key, start)


@router.get(
    "/threads",
    **documented(types.ThreadGetThreadsResponse, 403),
    summary="List threads, most recently active first",
)
async def get_threads(
    request: Request, caller: Caller, account_id: AccountId, page: Paging
) -> JSON:
    svc = services(request)
    result = await svc.reads.threads(caller, account_id, page)
    return ok(request, [wire.thread(t) for t in result.items], **wire.page_metadata(result))


@router.get(
    "/threads/{thread_id}",
    **documented(types.ThreadGetThreadByIDResponse, 403, 404),
    summary="Get a thread's metadata",
)
async def get_thread_by_id(
    request: Request, caller: Caller, thread_id: ThreadId, account_id: AccountId
) -> JSON:
    svc = services(request)
    return ok(request, wire.thread(await svc.reads.thread(caller, account_id, thread_id)))


@router.get(
    "/threads/{thread_id}/messages",
    **documented(types.ThreadGetMessagesResponse, 403, 404),
    summary="List finalized messages (latest page first)",
)
async def get_messages(
    request: Request,
    caller: Caller,
    thread_id: ThreadId,
    account_id: AccountId,
    page: Paging,
) -> JSON:
    svc = services(request)
    result = await svc.reads.messages(caller, account_id, thread_id, page)
    return ok(request, [wire.message(m) for m in result.items], **wire.page_metadata(result))


@router.post(
    "/threads/{thread_id}/messages",
    **documented(types.ThreadCreateMessageResponse, 403, 404, 409, 422, extra=_REPLAY_DOC),
    summary="Continue a thread with a user message",
    openapi_extra=body_schema(CreateMessageRequest),
)
async def create_message(
    request: Request,
    caller: Caller,
    thread_id: ThreadId,
    body: Annotated[CreateMessageRequest, Depends(json_body(CreateMessageRequest))],
    idempotency_key: IdempotencyKey = None,
) -> JSON:
    svc = services(request)

    async def start() -> dict[str, Any]:
        turn = _turn_from_message(body)
        accepted = await svc.turns.create_message(caller, body.account_id, thread_id, turn)
        return wire.accepted(accepted)

    return await _once(request, svc, caller, idempotency_key, start)


@router.get(
    "/threads/{thread_id}/response",
    **documented(types.ThreadGetThreadResponseResponse, 403, 404),
    summary="Get the thread's active response, if any",
)
async def get_thread_response(
    request: Request, caller: Caller, thread_id: ThreadId, account_id: AccountId
) -> JSON:
    svc = services(request)
    active = await svc.reads.active_response(caller, account_id, thread_id)
    return ok(request, None if active is None else wire.response(active))
