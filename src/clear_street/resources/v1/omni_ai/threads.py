"""Threads: starting conversations, continuing them, and reading them back.

Besides the API's six endpoints, ``iter_threads`` and ``iter_messages`` walk every page.
Messages come newest first: the API serves the latest page by default and its
``next_page_token`` leads to older messages, so walking backwards in time is what can be done
lazily (reverse the list for chronological order).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator

from clear_street._pagination import PageToken, PageWalk, aiterate, iterate
from clear_street._request import RequestOptions, require_ids
from clear_street._resource import AsyncResource, SyncResource
from clear_street._types import NOT_GIVEN, Body, Headers, NotGiven, Query, Timeout
from clear_street.resources.v1.omni_ai import _endpoints as ep
from clear_street.resources.v1.omni_ai._endpoints import ContextArg, TargetArg
from clear_street.types.endpoint_responses import (
    ThreadCreateMessageResponse,
    ThreadCreateThreadResponse,
    ThreadGetMessagesResponse,
    ThreadGetThreadByIDResponse,
    ThreadGetThreadResponseResponse,
    ThreadGetThreadsResponse,
)
from clear_street.types.message import Message
from clear_street.types.thread import Thread
from clear_street.types.turn import Capability, ConversationMode


class Threads(SyncResource):
    """``/v1/omni-ai/threads`` endpoints."""

    def create_thread(
        self,
        *,
        type: ConversationMode,
        account_id: int,
        capabilities: Iterable[Capability] | NotGiven = NOT_GIVEN,
        context: ContextArg = NOT_GIVEN,
        target: TargetArg = NOT_GIVEN,
        text: str | NotGiven | None = NOT_GIVEN,
        thesis: str | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> ThreadCreateThreadResponse:
        """Start a thread with its first user turn; poll the returned ``response_id``.

        ``text`` is required for ``instant``, ``target`` for ``deep_insights``. Safe to
        retry: an ``Idempotency-Key`` is sent (pass your own in ``extra_headers`` to make
        retries across calls safe too).
        """
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.create_thread(
            type=type,
            account_id=account_id,
            capabilities=capabilities,
            context=context,
            target=target,
            text=text,
            thesis=thesis,
            options=options,
        )
        return self._transport.execute(spec)

    def create_message(
        self,
        thread_id: str,
        *,
        text: str,
        account_id: int,
        capabilities: Iterable[Capability] | NotGiven = NOT_GIVEN,
        context: ContextArg = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> ThreadCreateMessageResponse:
        """Continue a thread; raises ``ConflictError`` while a response is still active."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.create_message(
            thread_id,
            text=text,
            account_id=account_id,
            capabilities=capabilities,
            context=context,
            options=options,
        )
        return self._transport.execute(spec)

    def get_threads(
        self,
        *,
        account_id: int,
        page_size: int | NotGiven = NOT_GIVEN,
        page_token: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> ThreadGetThreadsResponse:
        """One page of the account's threads, most recently active first."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.get_threads(
            account_id=account_id, page_size=page_size, page_token=page_token, options=options
        )
        return self._transport.execute(spec)

    def get_thread_by_id(
        self,
        thread_id: str,
        *,
        account_id: int,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> ThreadGetThreadByIDResponse:
        """A thread's metadata (title and timestamps, no messages)."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.get_thread_by_id(thread_id, account_id=account_id, options=options)
        return self._transport.execute(spec)

    def get_thread_response(
        self,
        thread_id: str,
        *,
        account_id: int,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> ThreadGetThreadResponseResponse:
        """The thread's active response, or ``data=None`` when the thread is idle."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.get_thread_response(thread_id, account_id=account_id, options=options)
        return self._transport.execute(spec)

    def get_messages(
        self,
        thread_id: str,
        *,
        account_id: int,
        page_size: int | NotGiven = NOT_GIVEN,
        page_token: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> ThreadGetMessagesResponse:
        """One page of finalized messages: the latest page unless ``page_token`` is given."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.get_messages(
            thread_id,
            account_id=account_id,
            page_size=page_size,
            page_token=page_token,
            options=options,
        )
        return self._transport.execute(spec)

    def iter_threads(
        self,
        *,
        account_id: int,
        page_size: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Iterator[Thread]:
        """Every thread of the account, most recently active first, each at most once."""

        def fetch(token: PageToken) -> ThreadGetThreadsResponse:
            return self.get_threads(
                account_id=account_id,
                page_size=page_size,
                page_token=token,
                extra_headers=extra_headers,
                timeout=timeout,
            )

        return iterate(fetch, PageWalk())

    def iter_messages(
        self,
        thread_id: str,
        *,
        account_id: int,
        page_size: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> Iterator[Message]:
        """Every finalized message of the thread, newest first (descending ``seq``)."""
        require_ids(thread_id=thread_id)

        def fetch(token: PageToken) -> ThreadGetMessagesResponse:
            return self.get_messages(
                thread_id,
                account_id=account_id,
                page_size=page_size,
                page_token=token,
                extra_headers=extra_headers,
                timeout=timeout,
            )

        return iterate(fetch, PageWalk(reverse_pages=True))


class AsyncThreads(AsyncResource):
    """``/v1/omni-ai/threads`` endpoints, async; see :class:`Threads`."""

    async def create_thread(
        self,
        *,
        type: ConversationMode,
        account_id: int,
        capabilities: Iterable[Capability] | NotGiven = NOT_GIVEN,
        context: ContextArg = NOT_GIVEN,
        target: TargetArg = NOT_GIVEN,
        text: str | NotGiven | None = NOT_GIVEN,
        thesis: str | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> ThreadCreateThreadResponse:
        """Start a thread with its first user turn; see :meth:`Threads.create_thread`."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.create_thread(
            type=type,
            account_id=account_id,
            capabilities=capabilities,
            context=context,
            target=target,
            text=text,
            thesis=thesis,
            options=options,
        )
        return await self._transport.execute(spec)

    async def create_message(
        self,
        thread_id: str,
        *,
        text: str,
        account_id: int,
        capabilities: Iterable[Capability] | NotGiven = NOT_GIVEN,
        context: ContextArg = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> ThreadCreateMessageResponse:
        """Continue a thread; raises ``ConflictError`` while a response is still active."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.create_message(
            thread_id,
            text=text,
            account_id=account_id,
            capabilities=capabilities,
            context=context,
            options=options,
        )
        return await self._transport.execute(spec)

    async def get_threads(
        self,
        *,
        account_id: int,
        page_size: int | NotGiven = NOT_GIVEN,
        page_token: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> ThreadGetThreadsResponse:
        """One page of the account's threads, most recently active first."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.get_threads(
            account_id=account_id, page_size=page_size, page_token=page_token, options=options
        )
        return await self._transport.execute(spec)

    async def get_thread_by_id(
        self,
        thread_id: str,
        *,
        account_id: int,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> ThreadGetThreadByIDResponse:
        """A thread's metadata (title and timestamps, no messages)."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.get_thread_by_id(thread_id, account_id=account_id, options=options)
        return await self._transport.execute(spec)

    async def get_thread_response(
        self,
        thread_id: str,
        *,
        account_id: int,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> ThreadGetThreadResponseResponse:
        """The thread's active response, or ``data=None`` when the thread is idle."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.get_thread_response(thread_id, account_id=account_id, options=options)
        return await self._transport.execute(spec)

    async def get_messages(
        self,
        thread_id: str,
        *,
        account_id: int,
        page_size: int | NotGiven = NOT_GIVEN,
        page_token: str | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> ThreadGetMessagesResponse:
        """One page of finalized messages: the latest page unless ``page_token`` is given."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.get_messages(
            thread_id,
            account_id=account_id,
            page_size=page_size,
            page_token=page_token,
            options=options,
        )
        return await self._transport.execute(spec)

    def iter_threads(
        self,
        *,
        account_id: int,
        page_size: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> AsyncIterator[Thread]:
        """Every thread of the account, most recently active first, each at most once."""

        async def fetch(token: PageToken) -> ThreadGetThreadsResponse:
            return await self.get_threads(
                account_id=account_id,
                page_size=page_size,
                page_token=token,
                extra_headers=extra_headers,
                timeout=timeout,
            )

        return aiterate(fetch, PageWalk())

    def iter_messages(
        self,
        thread_id: str,
        *,
        account_id: int,
        page_size: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> AsyncIterator[Message]:
        """Every finalized message of the thread, newest first (descending ``seq``)."""
        require_ids(thread_id=thread_id)

        async def fetch(token: PageToken) -> ThreadGetMessagesResponse:
            return await self.get_messages(
                thread_id,
                account_id=account_id,
                page_size=page_size,
                page_token=token,
                extra_headers=extra_headers,
                timeout=timeout,
            )

        return aiterate(fetch, PageWalk(reverse_pages=True))
