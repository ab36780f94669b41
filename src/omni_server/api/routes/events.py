"""Our extension: a response's progress as Server-Sent Events."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import StreamingResponse

from omni_server.api import live
from omni_server.api.deps import account_id, path_id, principal, services
from omni_server.domain.models import Response
from omni_server.domain.progress import Cursor
from omni_server.events import sse
from omni_server.events.hub import EventHub


async def response_events(request: Request) -> StreamingResponse:
    caller = await principal(request)
    response_id = path_id(request, "response_id")
    account = account_id(request)
    hub: EventHub = request.app.state.events
    # Watch before reading: a change between the read and the subscription is not lost.
    watch = hub.watch(response_id)
    try:
        first = await services(request).reads.response(caller, account, response_id)
    except BaseException:
        watch.close()
        raise
    reads = services(request).reads

    async def reread() -> Response:
        return await reads.response(caller, account, response_id)

    events = live.stream(
        watch,
        first,
        Cursor.parse(request.headers.get("last-event-id")),
        keepalive=request.app.state.events_keepalive,
        reread=reread,
    )
    return StreamingResponse(
        events,
        media_type=sse.MEDIA_TYPE,
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )
