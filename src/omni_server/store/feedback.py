"""Feedback on messages: every submission is a new row; nothing is overwritten."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row, insert, select

from omni_server.domain.lifecycle import ACTIVE
from omni_server.domain.models import Feedback
from omni_server.store import codec
from omni_server.store.db import Database
from omni_server.store.tables import feedback, responses

_ACTIVE_VALUES = [s.value for s in ACTIVE]


def _feedback_from(row: Row[Any]) -> Feedback:
    m = row._mapping
    return Feedback(
        id=m["id"],
        message_id=m["message_id"],
        account_id=m["account_id"],
        api_key_id=m["api_key_id"],
        score=m["score"],
        created_at=m["created_at"],
        comment=m["comment"],
        metadata=codec.loads(m["metadata_json"]),
    )


class FeedbackStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, record: Feedback) -> None:
        async with self._db.writer.begin() as conn:
            await conn.execute(
                insert(feedback).values(
                    id=record.id,
                    message_id=record.message_id,
                    account_id=record.account_id,
                    api_key_id=record.api_key_id,
                    score=record.score,
                    comment=record.comment,
                    metadata_json=None if record.metadata is None else codec.dumps(record.metadata),
                    created_at=record.created_at,
                )
            )

    async def for_message(self, message_id: uuid.UUID) -> list[Feedback]:
        """Every feedback given on a message, oldest first."""
        async with self._db.reader.connect() as conn:
            rows = await conn.execute(
                select(feedback)
                .where(feedback.c.message_id == message_id)
                .order_by(feedback.c.created_at, feedback.c.id)
            )
            return [_feedback_from(r) for r in rows]

    async def pending_output_account(self, message_id: uuid.UUID) -> int | None:
        """The account of the active response that will write ``message_id``, if any.

        An unfinished turn's assistant message has its id already (``output_message_id``) but
        is not in the history yet; feedback on it is refused differently from an unknown id.
        """
        async with self._db.reader.connect() as conn:
            return (
                await conn.execute(
                    select(responses.c.account_id).where(
                        responses.c.output_message_id == message_id,
                        responses.c.status.in_(_ACTIVE_VALUES),
                    )
                )
            ).scalar_one_or_none()
