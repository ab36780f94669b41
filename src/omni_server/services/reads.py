"""Read use cases, each scoped to an account the caller holds."""

from __future__ import annotations

import uuid

from omni_server.domain import errors
from omni_server.domain.models import Message, Response, Thread
from omni_server.domain.paging import Page, PageRequest
from omni_server.services.auth import Principal
from omni_server.services.ports import QueryRepository

INVALID_TOKEN = "Failed to deserialize query string: page_token: invalid pagination token"


class ReadService:
    def __init__(self, queries: QueryRepository) -> None:
        self._queries = queries

    async def thread(self, principal: Principal, account_id: int, thread_id: uuid.UUID) -> Thread:
        principal.require(account_id)
        thread = await self._queries.thread(thread_id)
        if thread is None or thread.account_id != account_id:
            raise errors.NotFound(errors.THREAD_NOT_FOUND)
        return thread

    async def threads(
        self, principal: Principal, account_id: int, page: PageRequest
    ) -> Page[Thread]:
        principal.require(account_id)
        try:
            return await self._queries.threads_page(account_id, page)
        except (ValueError, IndexError, TypeError):
            raise errors.InvalidRequest(INVALID_TOKEN) from None

    async def messages(
        self, principal: Principal, account_id: int, thread_id: uuid.UUID, page: PageRequest
    ) -> Page[Message]:
        await self.thread(principal, account_id, thread_id)
        try:
            return await self._queries.messages_page(thread_id, page)
        except (ValueError, IndexError, TypeError):
            raise errors.InvalidRequest(INVALID_TOKEN) from None

    async def message(
        self, principal: Principal, account_id: int, message_id: uuid.UUID
    ) -> Message:
        principal.require(account_id)
        found = await self._queries.message(message_id)
        if found is None or found[1] != account_id:
            raise errors.NotFound(errors.MESSAGE_NOT_FOUND)
        return found[0]

    async def response(
        self, principal: Principal, account_id: int, response_id: uuid.UUID
    ) -> Response:
        principal.require(account_id)
        response = await self._queries.response(response_id)
        if response is None or response.account_id != account_id:
            raise errors.NotFound(errors.RESPONSE_NOT_FOUND)
        return response

    async def active_response(
        self, principal: Principal, account_id: int, thread_id: uuid.UUID
    ) -> Response | None:
        await self.thread(principal, account_id, thread_id)
        return await self._queries.active_response(thread_id)
