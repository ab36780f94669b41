"""Watching a response: the event stream, or conditional and long polls as a fallback.

``stream`` opens the server's event stream and reconnects with ``Last-Event-ID`` when the
connection drops. A 404 for the stream of a response that a plain ``GET`` finds means the
server has no event stream (Clear Street's own): the client then polls, conditionally and
held (``If-None-Match`` + ``Prefer: wait=N``) when the server gives ETags, plainly otherwise,
and yields the same events. ``poll_once`` is also what ``responses.wait`` polls with.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
from httpx_sse import EventSource

from clear_street._constants import DEFAULT_POLL_INTERVAL
from clear_street._request import RequestOptions, RequestSpec
from clear_street._response import read_answer, status_error
from clear_street._stream import (
    LONG_POLL_SECONDS,
    NoEventStream,
    SnapshotDiffer,
    events_spec,
    parse_event,
    poll_headers,
)
from clear_street._transport import AsyncTransport, SyncTransport, connection_error
from clear_street.resources.v1.omni_ai import _endpoints as ep
from clear_street.types.endpoint_responses import ResponseGetResponseByIDResponse
from clear_street.types.events import DoneEvent, ResponseEvent

Answer = ResponseGetResponseByIDResponse
Polled = tuple[Answer | None, str | None, bool]
"""(the new snapshot or ``None`` when unchanged, the ETag to send next, whether held)."""


def _poll_spec(
    response_id: str, account_id: int, options: RequestOptions, etag: str | None, hold: int
) -> RequestSpec[Answer]:
    headers = poll_headers(dict(options.extra_headers or {}), etag, hold)
    timeout = options.timeout if hold <= 0 else httpx.Timeout(hold + 30.0, connect=5.0)
    opts = RequestOptions(headers, options.extra_query, None, timeout)
    return ep.get_response_by_id(response_id, account_id=account_id, options=opts)


def _polled(spec: RequestSpec[Answer], response: httpx.Response, etag: str | None) -> Polled:
    held = "preference-applied" in response.headers
    if response.status_code == 304:
        return None, etag, held
    return read_answer(spec, response), response.headers.get("etag"), held


def poll_once(
    transport: SyncTransport,
    response_id: str,
    account_id: int,
    options: RequestOptions,
    etag: str | None,
    hold: int,
) -> Polled:
    spec = _poll_spec(response_id, account_id, options, etag, hold)
    return _polled(spec, transport.send(spec), etag)


async def apoll_once(
    transport: AsyncTransport,
    response_id: str,
    account_id: int,
    options: RequestOptions,
    etag: str | None,
    hold: int,
) -> Polled:
    spec = _poll_spec(response_id, account_id, options, etag, hold)
    return _polled(spec, await transport.send(spec), etag)


# -- sync --------------------------------------------------------------------------------------


def stream(
    transport: SyncTransport, response_id: str, account_id: int, options: RequestOptions
) -> Iterator[ResponseEvent]:
    try:
        yield from _events(transport, response_id, account_id, options)
    except NoEventStream:
        yield from _polls(transport, response_id, account_id, options)


def _events(
    transport: SyncTransport, response_id: str, account_id: int, options: RequestOptions
) -> Iterator[ResponseEvent]:
    last_id: str | None = None
    failures = 0
    while True:
        spec = events_spec(
            response_id, account_id=account_id, last_event_id=last_id, options=options
        )
        response = transport.send(spec, stream=True)
        try:
            if not response.is_success:
                response.read()
                if response.status_code == 404 and last_id is None:
                    poll_once(transport, response_id, account_id, options, None, 0)
                    raise NoEventStream
                raise status_error(response)
            for sse in EventSource(response).iter_sse():
                event = parse_event(sse.event, sse.data, sse.id or None)
                if event is None:
                    continue
                failures, last_id = 0, event.id or last_id
                yield event
                if isinstance(event, DoneEvent):
                    return
        except httpx.TransportError as exc:
            lost: httpx.TransportError = exc
        else:
            lost = httpx.RemoteProtocolError("the event stream ended before its done event")
        finally:
            response.close()
        # Reconnect after the last event seen, a bounded number of times without progress.
        failures += 1
        if failures > transport.config.max_retries:
            raise connection_error(lost, response.request) from lost


def _polls(
    transport: SyncTransport, response_id: str, account_id: int, options: RequestOptions
) -> Iterator[ResponseEvent]:
    differ, etag = SnapshotDiffer(), None
    while True:
        hold = LONG_POLL_SECONDS if etag else 0
        answer, etag, held = poll_once(transport, response_id, account_id, options, etag, hold)
        if answer is not None:
            yield from differ.events(answer.data)
            if answer.data.is_terminal:
                return
        if not held:
            transport.sleep(DEFAULT_POLL_INTERVAL)


# -- async -------------------------------------------------------------------------------------


async def astream(
    transport: AsyncTransport, response_id: str, account_id: int, options: RequestOptions
) -> AsyncIterator[ResponseEvent]:
    try:
        async for event in _aevents(transport, response_id, account_id, options):
            yield event
    except NoEventStream:
        async for event in _apolls(transport, response_id, account_id, options):
            yield event


async def _aevents(
    transport: AsyncTransport, response_id: str, account_id: int, options: RequestOptions
) -> AsyncIterator[ResponseEvent]:
    last_id: str | None = None
    failures = 0
    while True:
        spec = events_spec(
            response_id, account_id=account_id, last_event_id=last_id, options=options
        )
        response = await transport.send(spec, stream=True)
        try:
            if not response.is_success:
                await response.aread()
                if response.status_code == 404 and last_id is None:
                    await apoll_once(transport, response_id, account_id, options, None, 0)
                    raise NoEventStream
                raise status_error(response)
            async for sse in EventSource(response).aiter_sse():
                event = parse_event(sse.event, sse.data, sse.id or None)
                if event is None:
                    continue
                failures, last_id = 0, event.id or last_id
                yield event
                if isinstance(event, DoneEvent):
                    return
        except httpx.TransportError as exc:
            lost: httpx.TransportError = exc
        else:
            lost = httpx.RemoteProtocolError("the event stream ended before its done event")
        finally:
            await response.aclose()
        # Reconnect after the last event seen, a bounded number of times without progress.
        failures += 1
        if failures > transport.config.max_retries:
            raise connection_error(lost, response.request) from lost


async def _apolls(
    transport: AsyncTransport, response_id: str, account_id: int, options: RequestOptions
) -> AsyncIterator[ResponseEvent]:
    differ, etag = SnapshotDiffer(), None
    while True:
        hold = LONG_POLL_SECONDS if etag else 0
        answer, etag, held = await apoll_once(
            transport, response_id, account_id, options, etag, hold
        )
        if answer is not None:
            for event in differ.events(answer.data):
                yield event
            if answer.data.is_terminal:
                return
        if not held:
            await transport.sleep(DEFAULT_POLL_INTERVAL)
