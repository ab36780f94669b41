"""The only place that performs I/O: sending a :class:`RequestSpec`, with retries.

The sync and async transports run the same loop: send, ask the :class:`RetryBudget` what to
do with the outcome, sleep, repeat. Building the request, deciding on retries and reading
the answer are shared functions; only ``send`` and ``sleep`` differ between the two.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
import httpx
from pydantic import BaseModel

from clear_street._config import ClientConfig
from clear_street._exceptions import APIConnectionError, APITimeoutError
from clear_street._request import RequestSpec
from clear_street._response import read_answer
from clear_street._retry import RetryBudget

T = TypeVar("T", bound=BaseModel)


def connection_error(exc: httpx.TransportError, request: httpx.Request) -> APIConnectionError:
    """Our exception for a transport failure, keeping timeouts distinguishable."""
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(request)
    detail = str(exc)
    return APIConnectionError(
        request, f"Connection error: {detail}" if detail else "Connection error."
    )


class SyncTransport:
    """Sends calls with a blocking ``httpx.Client``.

    ``sleep`` and ``clock`` are the seams tests replace to run retries and polling without
    waiting.
    """

    def __init__(self, config: ClientConfig, http: httpx.Client) -> None:
        self.config = config
        self.http = http
        self.sleep: Callable[[float], None] = time.sleep
        self.clock: Callable[[], float] = time.monotonic

    def execute(self, spec: RequestSpec[T]) -> T:
        """Send ``spec``, retrying per the client's policy; return the parsed answer."""
        request = self.config.build_request(self.http, spec)
        budget = RetryBudget(self.config.max_retries)
        while True:
            try:
                response = self.http.send(request)
            except httpx.TransportError as exc:
                delay = budget.after_transport_error()
                if delay is None:
                    raise connection_error(exc, request) from exc
            else:
                delay = budget.after_response(response)
                if delay is None:
                    return read_answer(spec, response)
                response.close()
            self.sleep(delay)

    def send(self, spec: RequestSpec[T], *, stream: bool = False) -> httpx.Response:
        """Send ``spec`` with the same retries; return the raw answer for the caller to read
        (or, with ``stream``, to iterate and close): conditional polls and event streams."""
        request = self.config.build_request(self.http, spec)
        budget = RetryBudget(self.config.max_retries)
        while True:
            try:
                response = self.http.send(request, stream=stream)
            except httpx.TransportError as exc:
                delay = budget.after_transport_error()
                if delay is None:
                    raise connection_error(exc, request) from exc
            else:
                delay = budget.after_response(response)
                if delay is None:
                    return response
                response.close()
            self.sleep(delay)


class AsyncTransport:
    """Sends calls with an ``httpx.AsyncClient``; the twin of :class:`SyncTransport`."""

    def __init__(self, config: ClientConfig, http: httpx.AsyncClient) -> None:
        self.config = config
        self.http = http
        self.sleep: Callable[[float], Awaitable[None]] = anyio.sleep
        self.clock: Callable[[], float] = time.monotonic

    async def execute(self, spec: RequestSpec[T]) -> T:
        """Send ``spec``, retrying per the client's policy; return the parsed answer."""
        request = self.config.build_request(self.http, spec)
        budget = RetryBudget(self.config.max_retries)
        while True:
            try:
                response = await self.http.send(request)
            except httpx.TransportError as exc:
                delay = budget.after_transport_error()
                if delay is None:
                    raise connection_error(exc, request) from exc
            else:
                delay = budget.after_response(response)
                if delay is None:
                    return read_answer(spec, response)
                await response.aclose()
            await self.sleep(delay)

    async def send(self, spec: RequestSpec[T], *, stream: bool = False) -> httpx.Response:
        """The twin of :meth:`SyncTransport.send`."""
        request = self.config.build_request(self.http, spec)
        budget = RetryBudget(self.config.max_retries)
        while True:
            try:
                response = await self.http.send(request, stream=stream)
            except httpx.TransportError as exc:
                delay = budget.after_transport_error()
                if delay is None:
                    raise connection_error(exc, request) from exc
            else:
                delay = budget.after_response(response)
                if delay is None:
                    return response
                await response.aclose()
            await self.sleep(delay)
