"""How a runner hears about new and canceled turns from other processes.

In one process the API calls the runner directly (``services.ports.TurnSignals``). Across
processes the store sends PostgreSQL notifications (``store/notify.py``) and each runner keeps
one dedicated connection listening for them: :class:`PostgresListener`. The connection is
watched (closed-connection callback plus a periodic ping) and reopened by itself, with a pause
between attempts, after a database restart or a dropped connection. After every (re)connect
the runner is told, so it claims at once and checks its claims at once: whatever was notified
while nobody listened costs latency, never correctness (polling and heartbeats still find it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Any, Protocol

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from omni_server.store.notify import CANCELED_CHANNEL, QUEUED_CHANNEL

log = logging.getLogger("omni.worker.signals")


class SignalTarget(Protocol):
    """What a listener calls on the runner; every call is a hint and must not block."""

    def turn_queued(self) -> None: ...

    def turn_canceled(self, response_id: uuid.UUID) -> None: ...

    def signals_reconnected(self) -> None: ...


class NoSignals:
    """The API's signals when no runner shares its process (``serve --no-runner``).

    Nothing to do here: on PostgreSQL the store already notified the workers in the same
    transaction; elsewhere workers poll.
    """

    def turn_queued(self) -> None:
        return None

    def turn_canceled(self, response_id: uuid.UUID) -> None:
        return None


def asyncpg_arguments(url: str) -> dict[str, Any]:
    """Connection arguments for asyncpg from a ``postgresql://`` URL (driver name ignored)."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    return {
        "host": parsed.host or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": parsed.username,
        "password": parsed.password,
        "database": parsed.database,
    }


class PostgresListener:
    """Keeps a ``LISTEN`` connection open for a runner, reconnecting until stopped."""

    def __init__(self, url: str, *, retry_seconds: float = 0.5, ping_seconds: float = 5.0) -> None:
        self._arguments = asyncpg_arguments(url)
        self._retry = retry_seconds
        self._ping = ping_seconds
        self.connected = asyncio.Event()

    async def run(self, target: SignalTarget) -> None:
        """Listen until canceled; a lost connection is logged and reopened."""
        while True:
            try:
                await self._listen_once(target)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("notification connection lost (%s); reconnecting", exc)
            self.connected.clear()
            await asyncio.sleep(self._retry)

    async def _listen_once(self, target: SignalTarget) -> None:
        conn = await asyncpg.connect(**self._arguments, timeout=5)
        lost = asyncio.Event()
        try:
            conn.add_termination_listener(lambda _conn: lost.set())

            def on_queued(*_args: object) -> None:
                target.turn_queued()

            def on_canceled(_conn: object, _pid: int, _channel: str, payload: str) -> None:
                with contextlib.suppress(ValueError):
                    target.turn_canceled(uuid.UUID(payload))

            await conn.add_listener(QUEUED_CHANNEL, on_queued)
            await conn.add_listener(CANCELED_CHANNEL, on_canceled)
            self.connected.set()
            target.signals_reconnected()
            await self._watch(conn, lost)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), timeout=1)

    async def _watch(self, conn: asyncpg.Connection, lost: asyncio.Event) -> None:
        """Return when the connection is gone: closed by the server, or a ping fails."""
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), timeout=self._ping)
            if not lost.is_set():
                await conn.execute("SELECT 1", timeout=self._ping)
        raise ConnectionError("the database closed the notification connection")
