"""Messages: reading one finalized message and rating assistant answers."""

from __future__ import annotations

from clear_street._request import RequestOptions
from clear_street._resource import AsyncResource, SyncResource
from clear_street._types import NOT_GIVEN, Body, Headers, NotGiven, Query, Timeout
from clear_street.resources.v1.omni_ai import _endpoints as ep
from clear_street.types.endpoint_responses import (
    MessageGetMessageByIDResponse,
    MessageSubmitFeedbackResponse,
)


class Messages(SyncResource):
    """``/v1/omni-ai/messages`` endpoints."""

    def get_message_by_id(
        self,
        message_id: str,
        *,
        account_id: int,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> MessageGetMessageByIDResponse:
        """A finalized message; ``NotFoundError`` while its turn is still in progress."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.get_message_by_id(message_id, account_id=account_id, options=options)
        return self._transport.execute(spec)

    def submit_feedback(
        self,
        message_id: str,
        *,
        score: int,
        account_id: int,
        comment: str | NotGiven = NOT_GIVEN,
        metadata: object | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> MessageSubmitFeedbackResponse:
        """Rate a finalized assistant message (score -1, 0, +1 or 1 to 5)."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.submit_feedback(
            message_id,
            score=score,
            account_id=account_id,
            comment=comment,
            metadata=metadata,
            options=options,
        )
        return self._transport.execute(spec)


class AsyncMessages(AsyncResource):
    """``/v1/omni-ai/messages`` endpoints, async; see :class:`Messages`."""

    async def get_message_by_id(
        self,
        message_id: str,
        *,
        account_id: int,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> MessageGetMessageByIDResponse:
        """A finalized message; ``NotFoundError`` while its turn is still in progress."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.get_message_by_id(message_id, account_id=account_id, options=options)
        return await self._transport.execute(spec)

    async def submit_feedback(
        self,
        message_id: str,
        *,
        score: int,
        account_id: int,
        comment: str | NotGiven = NOT_GIVEN,
        metadata: object | NotGiven | None = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> MessageSubmitFeedbackResponse:
        """Rate a finalized assistant message (score -1, 0, +1 or 1 to 5)."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.submit_feedback(
            message_id,
            score=score,
            account_id=account_id,
            comment=comment,
            metadata=metadata,
            options=options,
        )
        return await self._transport.execute(spec)
