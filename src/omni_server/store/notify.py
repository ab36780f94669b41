"""PostgreSQL notifications that wake and stop workers in other processes.

A notification is sent inside the transaction that makes the change, so a worker never hears
of a turn it cannot yet see, and a rolled-back change sends nothing. They are hints only: a
worker that misses one (its listening connection was down) still finds queued turns by polling
and canceled claims at its next heartbeat. SQLite has no notifications; there the API and the
runner share a process and signal each other directly.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from omni_server.store.inline import ConnectionLike

QUEUED_CHANNEL = "omni_turn_queued"
CANCELED_CHANNEL = "omni_turn_canceled"


async def turn_queued(conn: ConnectionLike) -> None:
    """Tell listening workers that a turn was queued (empty payload: any worker may claim it)."""
    await conn.execute(select(func.pg_notify(QUEUED_CHANNEL, "")))


async def turn_canceled(conn: ConnectionLike, response_id: uuid.UUID) -> None:
    """Tell the worker running ``response_id`` to stop its engine."""
    await conn.execute(select(func.pg_notify(CANCELED_CHANNEL, str(response_id))))
