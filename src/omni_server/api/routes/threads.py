"""Threads: create (with the first turn), list, read, history, continue, active response."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from omni_server.api import wire
from omni_server.api.deps import AccountId, Caller, Paging, Svc, body_schema, json_body
from omni_server.api.envelope import JSON, ok
from omni_server.api.requests import CreateMessageRequest, CreateThreadRequest
from omni_server.domain.models import Mode, TurnRequest

router = APIRouter(prefix="/v1/omni-ai", tags=["threads"])

ThreadId = Annotated[uuid.UUID, Path(description="Thread identifier (UUID).")]


def _context(value: Any) -> dict[str, Any] | None:
    return None if value is None else value.model_dump(mode="json", exclude_none=True)


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
    summary="Create a thread and submit its first turn",
    openapi_extra=body_schema(CreateThreadRequest),
)
async def create_thread(
    request: Request,
    caller: Caller,
    svc: Svc,
    body: Annotated[CreateThreadRequest, Depends(json_body(CreateThreadRequest))],
) -> JSON:
    accepted = await svc.turns.create_thread(caller, body.account_id, _turn_from_thread(body))
    return ok(request, wire.accepted(accepted))


@router.get("/threads", summary="List threads, most recently active first")
async def get_threads(
    request: Request, caller: Caller, svc: Svc, account_id: AccountId, page: Paging
) -> JSON:
    result = await svc.reads.threads(caller, account_id, page)
    return ok(request, [wire.thread(t) for t in result.items], **wire.page_metadata(result))


@router.get("/threads/{thread_id}", summary="Get a thread's metadata")
async def get_thread_by_id(
    request: Request, caller: Caller, svc: Svc, thread_id: ThreadId, account_id: AccountId
) -> JSON:
    return ok(request, wire.thread(await svc.reads.thread(caller, account_id, thread_id)))


@router.get("/threads/{thread_id}/messages", summary="List finalized messages (latest page first)")
async def get_messages(
    request: Request,
    caller: Caller,
    svc: Svc,
    thread_id: ThreadId,
    account_id: AccountId,
    page: Paging,
) -> JSON:
    result = await svc.reads.messages(caller, account_id, thread_id, page)
    return ok(request, [wire.message(m) for m in result.items], **wire.page_metadata(result))


@router.post(
    "/threads/{thread_id}/messages",
    summary="Continue a thread with a user message",
    openapi_extra=body_schema(CreateMessageRequest),
)
async def create_message(
    request: Request,
    caller: Caller,
    svc: Svc,
    thread_id: ThreadId,
    body: Annotated[CreateMessageRequest, Depends(json_body(CreateMessageRequest))],
) -> JSON:
    accepted = await svc.turns.create_message(
        caller, body.account_id, thread_id, _turn_from_message(body)
    )
    return ok(request, wire.accepted(accepted))


@router.get("/threads/{thread_id}/response", summary="Get the thread's active response, if any")
async def get_thread_response(
    request: Request, caller: Caller, svc: Svc, thread_id: ThreadId, account_id: AccountId
) -> JSON:
    active = await svc.reads.active_response(caller, account_id, thread_id)
    return ok(request, None if active is None else wire.response(active))
