"""Feedback on finalized assistant messages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from omni_server.domain import errors
from omni_server.domain.ids import new_id, utcnow
from omni_server.domain.models import Feedback, Role
from omni_server.services.auth import Principal
from omni_server.services.ports import FeedbackRepository, QueryRepository


@dataclass(frozen=True, slots=True)
class FeedbackInput:
    score: int
    comment: str | None = None
    metadata: dict[str, Any] | None = None


class FeedbackService:
    def __init__(self, store: FeedbackRepository, queries: QueryRepository) -> None:
        self._store = store
        self._queries = queries

    async def submit(
        self, principal: Principal, account_id: int, message_id: uuid.UUID, given: FeedbackInput
    ) -> Feedback:
        """Store one feedback record (every call adds one; nothing is overwritten).

        403 for an account the key lacks; 400 for a user message or the not yet finalized
        message of an active turn; 404 for an unknown message or one of another account.
        """
        principal.require(account_id)
        await self._check_target(account_id, message_id)
        record = Feedback(
            id=new_id(),
            message_id=message_id,
            account_id=account_id,
            api_key_id=principal.key_id,
            score=given.score,
            created_at=utcnow(),
            comment=given.comment,
            metadata=given.metadata,
        )
        await self._store.add(record)
        return record

    async def _check_target(self, account_id: int, message_id: uuid.UUID) -> None:
        found = await self._queries.message(message_id)
        if found is None:
            if await self._store.pending_output_account(message_id) == account_id:
                raise errors.InvalidRequest(errors.FEEDBACK_NOT_FINAL)
            # The turn may have finished between the two reads: look once more.
            found = await self._queries.message(message_id)
        if found is None or found[1] != account_id:
            raise errors.NotFound(errors.MESSAGE_NOT_FOUND)
        if found[0].role is not Role.ASSISTANT:
            raise errors.InvalidRequest(errors.FEEDBACK_NOT_FINAL)
