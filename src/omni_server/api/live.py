"""The event stream of one response and the validators of its poll.

The stream opens with a ``snapshot`` (the response as ``GET`` returns it), then ``status``,
``delta`` and ``part`` events as the watch learns of progress, and ends with ``done`` (the
final response). Every event's id is the cursor of what the client has then seen
(``attempt.status.parts.size``), so a reconnect with ``Last-Event-ID`` resumes exactly after
it; an id that does not continue the current attempt gets a fresh snapshot instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

from omni_server.api import wire
from omni_server.domain.models import Response
from omni_server.domain.progress import Cursor, State, advance, changes, rank
from omni_server.events import sse
from omni_server.events.hub import Watch


def etag(response: Response) -> str:
    """A validator from the cursor alone: two bodies with one cursor are the same body."""
    return f'"{State.of(response).cursor.event_id()}"'


def etag_matches(header: str | None, tag: str) -> bool:
    """``If-None-Match`` semantics (weak comparison, lists and ``*``)."""
    if not header:
        return False
    for candidate in header.split(","):
        value = candidate.strip()
        if value == "*" or value.removeprefix("W/") == tag:
            return True
    return False


async def stream(
    watch: Watch,
    first: Response,
    resume: Cursor | None,
    *,
    keepalive: float,
    reread: Callable[[], Awaitable[Response]] | None = None,
) -> AsyncIterator[bytes]:
    """The events of ``first`` from ``resume`` (or from a snapshot) until it is terminal.

    An idle stream gets a keep-alive comment, and ``reread`` then checks the database: a safety
    net for a notification that never came (a lost ``LISTEN`` connection, say).
    """
    with watch:
        start = State.of(first)
        watch.offer(start)
        if resume is not None and start.continues(resume):
            sent = resume
        else:
            sent = start.cursor
            yield sse.event("snapshot", wire.response(first), sent.event_id())
        while True:
            state = watch.state or start
            for chunk, cursor in _events(state, sent):
                yield chunk
                sent = cursor
            if state.final is not None:
                yield sse.event("done", wire.response(state.final), sent.event_id())
                return
            if not await watch.wait(keepalive):
                yield sse.KEEPALIVE
                if reread is not None:
                    watch.offer(State.of(await reread()))


def _events(state: State, sent: Cursor) -> list[tuple[bytes, Cursor]]:
    """Events from ``sent`` to ``state``, each with the cursor it leaves the client at.

    A status that moves up to running is told before the content, a terminal one after it.
    """
    out: list[tuple[bytes, Cursor]] = []
    status_changed = state.status != sent.status and rank(state.status) >= rank(sent.status)
    at = sent.at if state.continues(sent) else (0, 0)
    cursor = Cursor(state.attempt, sent.status, at)
    if status_changed and state.final is None:
        cursor = Cursor(state.attempt, state.status, at)
        out.append((_status(cursor), cursor))
    for kind, data in changes(state.parts, at):
        at = advance(at, kind, data)
        cursor = Cursor(state.attempt, cursor.status, at)
        out.append((sse.event(kind, data, cursor.event_id()), cursor))
    if status_changed and state.final is not None:
        cursor = Cursor(state.attempt, state.status, cursor.at)
        out.append((_status(cursor), cursor))
    return out


def _status(cursor: Cursor) -> bytes:
    return sse.event("status", {"status": cursor.status.value}, cursor.event_id())
