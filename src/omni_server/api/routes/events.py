"""Our extension: a response's progress as Server-Sent Events."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from starlette.responses import StreamingResponse

from omni_server.api import live
from omni_server.api.deps import AccountId, Caller, services
from omni_server.api.docs import documented
from omni_server.api.routes.responses import ResponseId
from omni_server.domain.models import Response
from omni_server.domain.progress import Cursor
from omni_server.events import sse
from omni_server.events.hub import EventHub

router = APIRouter(prefix="/v1/omni-ai", tags=["responses"])

_STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {sse.MEDIA_TYPE: {"schema": {"type": "string"}}},
        "description": "Events `snapshot`, `status`, `delta`, `part`, then `done`; each with "
        "an `id` that `Last-Event-ID` resumes after.",
    }
}


@router.get(
    "/responses/{response_id}/events",
    **{**documented(type(None), 403, 404, extra=_STREAM_DOC), "response_model": None},
    summary="Watch a response live (Server-Sent Events; an extension of this server)",
)
async def response_events(
    request: Request,
    caller: Caller,
    response_id: ResponseId,
    account_id: AccountId,
    last_event_id: Annotated[
        str | None, Header(description="Resume after this event id (sent by EventSource).")
    ] = None,
) -> StreamingResponse:
    hub: EventHub = request.app.state.events
    # Watch before reading: a change between the read and the subscription is not lost.
    watch = hub.watch(response_id)
    try:
        first = await services(request).reads.response(caller, account_id, response_id)
    except BaseException:
        watch.close()
        raise
    reads = services(request).reads

    async def reread() -> Response:
        return await reads.response(caller, account_id, response_id)

    events = live.stream(
        watch,
        first,
        Cursor.parse(last_event_id),
        keepalive=request.app.state.events_keepalive,
        reread=reread,
    )
    return StreamingResponse(
        events,
        media_type=sse.MEDIA_TYPE,
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )
