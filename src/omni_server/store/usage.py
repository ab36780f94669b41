"""Token usage per response: what operators see with ``omni responses show``.

Kept apart from ``responses`` because it is not part of the contract: no official path reads
this table. One row per response, written once when the turn ends (its only writer is the
worker that ran it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update

from omni_server.store.db import Database
from omni_server.store.tables import response_usage


@dataclass(frozen=True, slots=True)
class Usage:
    engine: str
    prompt_tokens: int
    completion_tokens: int
    recorded_at: datetime


class UsageStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(
        self, response_id: uuid.UUID, engine: str, prompt: int, completion: int, now: datetime
    ) -> None:
        """Store the turn's totals (a later record for the same response replaces them)."""
        values = {
            "engine": engine,
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "recorded_at": now,
        }
        async with self._db.writer.begin() as conn:
            changed = await conn.execute(
                update(response_usage)
                .where(response_usage.c.response_id == response_id)
                .values(**values)
            )
            if changed.rowcount == 0:
                await conn.execute(insert(response_usage).values(response_id=response_id, **values))

    async def get(self, response_id: uuid.UUID) -> Usage | None:
        async with self._db.reader.connect() as conn:
            row = (
                await conn.execute(
                    select(response_usage).where(response_usage.c.response_id == response_id)
                )
            ).first()
        if row is None:
            return None
        m = row._mapping
        return Usage(m["engine"], m["prompt_tokens"], m["completion_tokens"], m["recorded_at"])
