"""Counts for the metrics endpoint, read from the database at scrape time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from omni_server.domain.lifecycle import ACTIVE
from omni_server.store.db import Database
from omni_server.store.tables import responses


class StatsStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def active_responses(self) -> dict[str, int]:
        """How many responses are in each active status (absent: none), in every process."""
        statement = (
            select(responses.c.status, func.count())
            .where(responses.c.status.in_(sorted(s.value for s in ACTIVE)))
            .group_by(responses.c.status)
        )
        async with self._db.reader.connect() as conn:
            rows: list[Any] = list(await conn.execute(statement))
        return {str(status): int(count) for status, count in rows}
