"""Threads: create (with the first turn), list, read, history, continue, active response."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request

from omni_server.api import wire
from omni_server.api.deps import (
    ACCOUNT_PAGE,
    Services,
    account_id,
    json_body,
    page_request,
    path_id,
    principal,
    query_fields,
    services,
)
from omni_server.api.envelope import JSON, ok
from omni_server.api.reading.models import CreateMessageRequest, CreateThreadRequest, TurnContext
from omni_server.domain.ids import isoformat
from omni_server.domain.models import Mode, TurnRequest
from omni_server.services.auth import Principal
from omni_server.services.idempotency import request_fingerprint

IDEMPOTENCY_HEADER = "idempotency-key"
REPLAYED_HEADER = "idempotent-replayed"


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
    start: Callable[[], Awaitable[dict[str, Any]]],
) -> JSON:
    """Run ``start`` once per ``Idempotency-Key`` (or every time without one)."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
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


async def create_thread(request: Request) -> JSON:
    caller = await principal(request)
    body = await json_body(request, CreateThreadRequest)
    svc = services(request)

    async def start() -> dict[str, Any]:
        turn = _turn_from_thread(body)
        return wire.accepted(await svc.turns.create_thread(caller, body.account_id, turn))

    return await _once(request, svc, caller, start)


async def get_threads(request: Request) -> JSON:
    caller = await principal(request)
    values = query_fields(request, ACCOUNT_PAGE)
    page = page_request(values)
    result = await services(request).reads.threads(caller, values["account_id"], page)
    return ok(request, [wire.thread(t) for t in result.items], **wire.page_metadata(result))


async def get_thread_by_id(request: Request) -> JSON:
    caller = await principal(request)
    thread_id = path_id(request, "thread_id")
    account = account_id(request)
    return ok(
        request, wire.thread(await services(request).reads.thread(caller, account, thread_id))
    )


async def get_messages(request: Request) -> JSON:
    caller = await principal(request)
    thread_id = path_id(request, "thread_id")
    values = query_fields(request, ACCOUNT_PAGE)
    page = page_request(values)
    reads = services(request).reads
    result = await reads.messages(caller, values["account_id"], thread_id, page)
    return ok(request, [wire.message(m) for m in result.items], **wire.page_metadata(result))


async def create_message(request: Request) -> JSON:
    caller = await principal(request)
    thread_id = path_id(request, "thread_id")
    body = await json_body(request, CreateMessageRequest)
    svc = services(request)

    async def start() -> dict[str, Any]:
        turn = _turn_from_message(body)
        accepted = await svc.turns.create_message(caller, body.account_id, thread_id, turn)
        return wire.accepted(accepted)

    return await _once(request, svc, caller, start)


async def get_thread_response(request: Request) -> JSON:
    caller = await principal(request)
    thread_id = path_id(request, "thread_id")
    account = account_id(request)
    active = await services(request).reads.active_response(caller, account, thread_id)
    return ok(request, None if active is None else wire.response(active))
