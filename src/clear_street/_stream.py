"""What ``responses.stream`` shares between sync and async: parsing, and polling as events.

With the server's event stream, events are parsed as they come. Without it (a server that
answers 404 for ``/events``, like Clear Street's own), successive snapshots are compared and
turned into the same events: content only grows at its end (text appended to the last text
part, thoughts to the last thinking part, whole parts after), so the difference between two
snapshots is a list of deltas and parts.
"""

from __future__ import annotations

import json
from typing import Any

from clear_street._request import RequestOptions, RequestSpec, build, path_with
from clear_street.types.endpoint_responses import ResponseGetResponseByIDResponse
from clear_street.types.events import (
    DeltaEvent,
    DoneEvent,
    PartEvent,
    ResponseEvent,
    SnapshotEvent,
    StatusEvent,
)
from clear_street.types.response import Response

LONG_POLL_SECONDS = 20
"""How long one conditional poll may be held by a server that offers long polls."""

_TYPES: dict[str, type[Any]] = {
    "status": StatusEvent,
    "delta": DeltaEvent,
    "part": PartEvent,
}


class NoEventStream(Exception):
    """The server has no event stream for responses: fall back to polling."""


def events_spec(
    response_id: str, *, account_id: int, last_event_id: str | None, options: RequestOptions
) -> RequestSpec[ResponseGetResponseByIDResponse]:
    path = path_with("/v1/omni-ai/responses/{response_id}/events", response_id=response_id)
    headers = dict(options.extra_headers or {})
    headers["Accept"] = "text/event-stream"
    if last_event_id:
        headers["Last-Event-ID"] = last_event_id
    options = RequestOptions(headers, options.extra_query, None, options.timeout)
    query = {"account_id": account_id}
    return build("GET", path, ResponseGetResponseByIDResponse, query=query, options=options)


def poll_headers(extra: dict[str, str], etag: str | None, hold: int) -> dict[str, str]:
    """Headers of a poll: conditional and held when the server gave an ETag."""
    headers = dict(extra)
    if etag is not None:
        headers["If-None-Match"] = etag
        if hold > 0:
            headers["Prefer"] = f"wait={hold}"
    return headers


def parse_event(kind: str, data: str, event_id: str | None) -> ResponseEvent | None:
    """One server-sent event as a typed event (``None`` for kinds this client does not know,
    and for keep-alive comments, which reach here as events without data)."""
    if not data:
        return None
    payload = json.loads(data)
    if kind in ("snapshot", "done"):
        model = SnapshotEvent if kind == "snapshot" else DoneEvent
        return model(id=event_id, response=Response.model_validate(payload))
    cls = _TYPES.get(kind)
    if cls is None:
        return None
    event: ResponseEvent = cls.model_validate({**payload, "id": event_id})
    return event


def _size(part: dict[str, Any]) -> int:
    if part.get("type") == "text":
        return len(part.get("text", ""))
    if part.get("type") == "thinking":
        return len(part.get("thoughts", ()))
    return 1


class SnapshotDiffer:
    """Turns successive snapshots of one response into events."""

    def __init__(self) -> None:
        self._status: str | None = None
        self._at = (0, 0)

    def events(self, snapshot: Response) -> list[ResponseEvent]:
        parts = _parts(snapshot)
        if self._status is None:
            self._status, self._at = snapshot.status, _position(parts)
            first: list[ResponseEvent] = [SnapshotEvent(response=snapshot)]
            return [*first, DoneEvent(response=snapshot)] if snapshot.is_terminal else first
        out: list[ResponseEvent] = []
        if snapshot.status != self._status and not snapshot.is_terminal:
            out.append(StatusEvent(status=snapshot.status))
        out.extend(self._content(parts))
        if snapshot.status != self._status and snapshot.is_terminal:
            out.append(StatusEvent(status=snapshot.status))
        if snapshot.is_terminal:
            out.append(DoneEvent(response=snapshot))
        self._status = snapshot.status
        return out

    def _content(self, parts: list[dict[str, Any]]) -> list[ResponseEvent]:
        count, last = self._at
        out: list[ResponseEvent] = []
        for index in range(max(count - 1, 0), len(parts)):
            part, start = parts[index], (last if index == count - 1 else 0)
            if part.get("type") == "text" and len(part["text"]) > start:
                out.append(DeltaEvent(part_index=index, type="text", text=part["text"][start:]))
            elif part.get("type") == "thinking":
                out.extend(
                    DeltaEvent(part_index=index, type="thinking", text=t)
                    for t in part["thoughts"][start:]
                )
            elif part.get("type") not in ("text", "thinking") and index >= count:
                out.append(PartEvent(part_index=index, part=part))
        if _position(parts) > self._at:
            self._at = _position(parts)
        return out


def _parts(snapshot: Response) -> list[dict[str, Any]]:
    if snapshot.content is None:
        return []
    return [p.model_dump(mode="json", by_alias=True) for p in snapshot.content.parts]


def _position(parts: list[dict[str, Any]]) -> tuple[int, int]:
    return (len(parts), _size(parts[-1])) if parts else (0, 0)
