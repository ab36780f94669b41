"""How a runner learns that a claim is gone, and the PostgreSQL listener that tells it.

A cancel committed elsewhere reaches a runner two ways: a notification (PostgreSQL) or, if
that was missed, its next heartbeat, which returns only the claims still running.
"""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from omni_server.domain.ids import utcnow
from omni_server.domain.lifecycle import ResponseStatus
from omni_server.domain.models import Mode, Turn, TurnRequest
from omni_server.engines.base import TurnOutput
from omni_server.store import migrate
from omni_server.store.db import Database
from omni_server.store.queries import QueryStore
from omni_server.store.turns import TurnStore
from omni_server.worker.runner import Runner
from omni_server.worker.signals import NoSignals, PostgresListener, asyncpg_arguments
from tests.e2e import scale_support
from tests.support import wait_for

postgres_url = scale_support.postgres_url


class SilentEngine:
    """Runs until canceled and never writes, so only a signal or a heartbeat can stop it."""

    name = "silent"

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.stopped = asyncio.Event()

    async def run(self, turn: Turn, output: TurnOutput) -> None:
        self.started.set()
        try:
            await asyncio.Event().wait()
        finally:
            self.stopped.set()


async def test_heartbeat_stops_an_engine_whose_claim_was_canceled_unheard(db: Database) -> None:
    turns = TurnStore(db)
    engine = SilentEngine()
    runner = Runner(turns, QueryStore(db), engine, max_running=1)
    request = TurnRequest(mode=Mode.INSTANT, text="hi")
    accepted = await turns.create_thread(account_id=1, request=request, now=utcnow())
    assert await runner.tick() == 1
    await asyncio.wait_for(engine.started.wait(), timeout=5)
    # Canceled by "another process": the store write only, no in-process signal.
    canceled = await turns.finalize(accepted.response_id, ResponseStatus.CANCELED, now=utcnow())
    assert canceled is not None
    await runner.heartbeat()
    await asyncio.wait_for(engine.stopped.wait(), timeout=5)

    async def idle() -> bool:
        return runner.running == 0

    await wait_for(idle)
    await runner.stop()
    final = await QueryStore(db).response(accepted.response_id)
    assert final is not None and final.status is ResponseStatus.CANCELED


class Recorder:
    def __init__(self) -> None:
        self.queued = 0
        self.canceled: list[uuid.UUID] = []
        self.reconnects = 0

    def turn_queued(self) -> None:
        self.queued += 1

    def turn_canceled(self, response_id: uuid.UUID) -> None:
        self.canceled.append(response_id)

    def signals_reconnected(self) -> None:
        self.reconnects += 1


@pytest.mark.postgres
async def test_postgres_listener_hears_writes_and_reconnects_by_itself(postgres_url: str) -> None:
    """Notifications are PostgreSQL's, so this one runs there only."""
    database_url = postgres_url
    db = Database.open(database_url)
    await migrate.upgrade(db.writer)
    target = Recorder()
    listener = PostgresListener(database_url, retry_seconds=0.05, ping_seconds=0.5)
    task = asyncio.create_task(listener.run(target))
    try:
        await asyncio.wait_for(listener.connected.wait(), timeout=10)
        turns = TurnStore(db)
        request = TurnRequest(mode=Mode.INSTANT, text="hi")
        accepted = await turns.create_thread(account_id=1, request=request, now=utcnow())

        async def heard_queued() -> bool:
            return target.queued >= 1

        await wait_for(heard_queued, timeout=5)
        await turns.finalize(accepted.response_id, ResponseStatus.CANCELED, now=utcnow())

        async def heard_cancel() -> bool:
            return target.canceled == [accepted.response_id]

        await wait_for(heard_cancel, timeout=5)

        # The database drops the listening connection (as a restart would).
        admin = await asyncpg.connect(**asyncpg_arguments(database_url))
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
        finally:
            await admin.close()

        async def reconnected() -> bool:
            return target.reconnects >= 2 and listener.connected.is_set()

        await wait_for(reconnected, timeout=15)
        await turns.create_thread(account_id=1, request=request, now=utcnow())

        async def heard_again() -> bool:
            return target.queued >= 2

        await wait_for(heard_again, timeout=5)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await db.close()


def test_no_signals_is_silent() -> None:
    signals = NoSignals()
    assert signals.turn_queued() is None
    assert signals.turn_canceled(uuid.uuid4()) is None
