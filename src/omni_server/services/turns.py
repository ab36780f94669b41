"""Starting and canceling turns: the use cases that change a thread."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from omni_server.domain import errors
from omni_server.domain.ids import utcnow
from omni_server.domain.lifecycle import ResponseStatus
from omni_server.domain.models import AcceptedTurn, Mode, TurnRequest
from omni_server.observability import events
from omni_server.services.auth import Principal
from omni_server.services.ports import QueryRepository, TurnRepository, TurnSignals


@dataclass(frozen=True, slots=True)
class CancelResult:
    canceled: bool


def check_request(request: TurnRequest) -> None:
    """Mode rules the JSON schema cannot express (400 with the contract's texts)."""
    if request.mode is Mode.INSTANT and not request.text.strip():
        raise errors.InvalidRequest(errors.TEXT_REQUIRED)
    if request.mode is Mode.DEEP_INSIGHTS and not request.target:
        raise errors.InvalidRequest(errors.TARGET_REQUIRED)


class TurnService:
    def __init__(
        self, turns: TurnRepository, queries: QueryRepository, signals: TurnSignals
    ) -> None:
        self._turns = turns
        self._queries = queries
        self._signals = signals

    async def create_thread(
        self, principal: Principal, account_id: int, request: TurnRequest
    ) -> AcceptedTurn:
        principal.require(account_id)
        check_request(request)
        accepted = await self._turns.create_thread(
            account_id=account_id, request=request, now=utcnow(), api_key_id=principal.key_id
        )
        events.queued(accepted.response_id, accepted.thread_id, account_id)
        self._signals.turn_queued()
        return accepted

    async def create_message(
        self, principal: Principal, account_id: int, thread_id: uuid.UUID, request: TurnRequest
    ) -> AcceptedTurn:
        principal.require(account_id)
        check_request(request)
        accepted = await self._turns.create_message(
            thread_id=thread_id,
            account_id=account_id,
            request=request,
            now=utcnow(),
            api_key_id=principal.key_id,
        )
        events.queued(accepted.response_id, accepted.thread_id, account_id)
        self._signals.turn_queued()
        return accepted

    async def cancel(
        self, principal: Principal, account_id: int, response_id: uuid.UUID
    ) -> CancelResult:
        """Cancel synchronously: when this returns, the response is terminal.

        Idempotent. ``canceled`` tells whether the response ended canceled (now or before),
        not whether this call did it.
        """
        principal.require(account_id)
        finalized = await self._turns.finalize(
            response_id, ResponseStatus.CANCELED, now=utcnow(), account_id=account_id
        )
        if finalized is not None:
            events.finished(finalized, canceled_by_client=True)
            self._signals.turn_canceled(response_id)
            return CancelResult(canceled=True)
        current = await self._queries.response(response_id)
        if current is None or current.account_id != account_id:
            raise errors.NotFound(errors.RESPONSE_NOT_FOUND)
        return CancelResult(canceled=current.status is ResponseStatus.CANCELED)
