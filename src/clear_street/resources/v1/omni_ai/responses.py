"""Responses: following an assistant turn until it ends, and cancelling it.

``wait`` is ours (the API only offers polling): it polls ``get_response_by_id`` on a growing
interval until the turn is terminal, and raises :class:`~clear_street.WaitTimeoutError` with
the last snapshot when ``timeout`` seconds pass first. ``timeout`` bounds the polling; a poll
already in flight still runs under the client's request timeout. Where the server sends an
``ETag``, polls are conditional and held by the server (``Prefer: wait=N``) instead of paced.

``stream`` is ours too: typed events from the server's event stream, or from polls where the
server has none (see ``_watch.py``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from clear_street._constants import DEFAULT_POLL_INTERVAL, DEFAULT_WAIT_TIMEOUT, MAX_POLL_INTERVAL
from clear_street._exceptions import WaitTimeoutError
from clear_street._polling import PollSchedule, pause_before_next_poll
from clear_street._request import RequestOptions
from clear_street._resource import AsyncResource, SyncResource
from clear_street._stream import LONG_POLL_SECONDS
from clear_street._types import NOT_GIVEN, Body, Headers, NotGiven, Query, Timeout
from clear_street.resources.v1.omni_ai import _endpoints as ep
from clear_street.resources.v1.omni_ai import _watch
from clear_street.types.endpoint_responses import (
    ResponseCancelResponseResponse,
    ResponseGetResponseByIDResponse,
)
from clear_street.types.events import ResponseEvent


def _hold(schedule: PollSchedule, etag: str | None) -> int:
    """Seconds to ask the server to hold the next poll (0: a plain poll)."""
    return min(LONG_POLL_SECONDS, int(schedule.remaining)) if etag else 0


def _after_held(
    schedule: PollSchedule, response_id: str, snapshot: ResponseGetResponseByIDResponse
) -> bool:
    """After a poll the server held: whether the snapshot is final (raises at the deadline)."""
    if snapshot.data.is_terminal:
        return True
    if schedule.remaining <= 0:
        raise WaitTimeoutError(response_id, snapshot.data, schedule.waited)
    return False


class Responses(SyncResource):
    """``/v1/omni-ai/responses`` endpoints, plus :meth:`wait`."""

    def get_response_by_id(
        self,
        response_id: str,
        *,
        account_id: int,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> ResponseGetResponseByIDResponse:
        """The current snapshot: status and content so far (possibly with thinking)."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.get_response_by_id(response_id, account_id=account_id, options=options)
        return self._transport.execute(spec)

    def cancel_response(
        self,
        response_id: str,
        *,
        account_id: int,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> ResponseCancelResponseResponse:
        """Cancel a queued or running turn; cancelling an ended one is not an error."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.cancel_response(response_id, account_id=account_id, options=options)
        return self._transport.execute(spec)

    def wait(
        self,
        response_id: str,
        *,
        account_id: int,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_poll_interval: float = MAX_POLL_INTERVAL,
        extra_headers: Headers | None = None,
    ) -> ResponseGetResponseByIDResponse:
        """Poll until the turn has succeeded, failed or been canceled; return that snapshot."""
        schedule = PollSchedule(
            timeout=timeout,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            clock=self._transport.clock,
        )
        options = RequestOptions(extra_headers)
        answer, etag = None, None
        while True:
            hold = _hold(schedule, etag)
            polled, etag, held = _watch.poll_once(
                self._transport, response_id, account_id, options, etag, hold
            )
            answer = polled or answer
            assert answer is not None  # the first poll is unconditional
            if held:
                if _after_held(schedule, response_id, answer):
                    return answer
                continue
            pause = pause_before_next_poll(schedule, response_id, answer.data)
            if pause is None:
                return answer
            self._transport.sleep(pause)

    def stream(
        self, response_id: str, *, account_id: int, extra_headers: Headers | None = None
    ) -> Iterator[ResponseEvent]:
        """Events of the turn until it ends: ``snapshot``, ``status``/``delta``/``part``,
        then ``done`` with the final response (see :mod:`clear_street.types.events`)."""
        return _watch.stream(
            self._transport, response_id, account_id, RequestOptions(extra_headers)
        )


class AsyncResponses(AsyncResource):
    """``/v1/omni-ai/responses`` endpoints, async; see :class:`Responses`."""

    async def get_response_by_id(
        self,
        response_id: str,
        *,
        account_id: int,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> ResponseGetResponseByIDResponse:
        """The current snapshot: status and content so far (possibly with thinking)."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.get_response_by_id(response_id, account_id=account_id, options=options)
        return await self._transport.execute(spec)

    async def cancel_response(
        self,
        response_id: str,
        *,
        account_id: int,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> ResponseCancelResponseResponse:
        """Cancel a queued or running turn; cancelling an ended one is not an error."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.cancel_response(response_id, account_id=account_id, options=options)
        return await self._transport.execute(spec)

    async def wait(
        self,
        response_id: str,
        *,
        account_id: int,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        max_poll_interval: float = MAX_POLL_INTERVAL,
        extra_headers: Headers | None = None,
    ) -> ResponseGetResponseByIDResponse:
        """Poll until the turn has succeeded, failed or been canceled; return that snapshot."""
        schedule = PollSchedule(
            timeout=timeout,
            poll_interval=poll_interval,
            max_poll_interval=max_poll_interval,
            clock=self._transport.clock,
        )
        options = RequestOptions(extra_headers)
        answer, etag = None, None
        while True:
            hold = _hold(schedule, etag)
            polled, etag, held = await _watch.apoll_once(
                self._transport, response_id, account_id, options, etag, hold
            )
            answer = polled or answer
            assert answer is not None  # the first poll is unconditional
            if held:
                if _after_held(schedule, response_id, answer):
                    return answer
                continue
            pause = pause_before_next_poll(schedule, response_id, answer.data)
            if pause is None:
                return answer
            await self._transport.sleep(pause)

    def stream(
        self, response_id: str, *, account_id: int, extra_headers: Headers | None = None
    ) -> AsyncIterator[ResponseEvent]:
        """Events of the turn until it ends; see :meth:`Responses.stream`."""
        return _watch.astream(
            self._transport, response_id, account_id, RequestOptions(extra_headers)
        )
