"""The lease reaper on every backend: an expired lease ends ``failed`` / ``worker_lost``.

A worker that dies holding a claim must not block its thread: ``Runner.reap`` finalizes any
running response whose lease has expired, whoever held it, keeping the content saved so far.
Its write is fenced by the attempt it read, so a claim taken over in between is left alone,
and it never reaps a turn its own runner is still running. These drive ``reap`` directly on
a real database in well under a second each; the restart and scale tests check the same
through real processes, but only in the slow suite.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import update

from omni_server.domain.ids import utcnow
from omni_server.domain.lifecycle import MessageOutcome, ResponseStatus
from omni_server.domain.models import Mode, Response, TurnRequest
from omni_server.domain.paging import PageRequest
from omni_server.engines.builtin import BuiltinEngine
from omni_server.store.db import Database
from omni_server.store.queries import QueryStore
from omni_server.store.tables import responses
from omni_server.store.turns import TurnStore
from omni_server.worker.runner import Runner
from tests.support import wait_for

LEASE = timedelta(seconds=30)
PARTIAL = {"type": "text", "text": "partial"}


def ask(text: str = "What is AAPL?") -> TurnRequest:
    return TurnRequest(mode=Mode.INSTANT, text=text)


def runner_for(db: Database, turns: TurnStore, lease_seconds: float = 30.0) -> Runner:
    engine = BuiltinEngine(chunk_delay=0)
    return Runner(turns, QueryStore(db), engine, lease_seconds=lease_seconds)


async def response_of(db: Database, response_id: uuid.UUID) -> Response:
    found = await QueryStore(db).response(response_id)
    assert found is not None
    return found


async def test_reap_fails_an_expired_lease_and_spares_a_live_one(db: Database) -> None:
    turns = TurnStore(db)
    dead_turn = await turns.create_thread(account_id=1, request=ask(), now=utcnow())
    [dead] = await turns.claim(worker_id="dead", limit=1, lease=LEASE, now=utcnow() - 2 * LEASE)
    assert await turns.record_progress(dead, [PARTIAL])
    live_turn = await turns.create_thread(account_id=1, request=ask(), now=utcnow())
    [live] = await turns.claim(worker_id="live", limit=1, lease=LEASE, now=utcnow())

    await runner_for(db, turns).reap()

    reaped = await response_of(db, dead_turn.response_id)
    assert reaped.status is ResponseStatus.FAILED
    assert reaped.error is not None and reaped.error.code == "worker_lost"
    page = await QueryStore(db).messages_page(dead_turn.thread_id, PageRequest(size=10))
    _user, final = page.items
    assert (final.id, final.seq) == (reaped.output_message_id, 2)
    assert final.outcome is MessageOutcome.ERRORED
    assert final.parts == (PARTIAL,)  # what the dead worker had saved is kept
    assert (await response_of(db, live_turn.response_id)).status is ResponseStatus.RUNNING
    assert await turns.record_progress(live, [PARTIAL])  # the live claim is still valid
    assert not await turns.record_progress(dead, [PARTIAL])  # the dead one is fenced off


class TakenOverStore(TurnStore):
    """A store where another claim takes each expired lease just after the reaper read it."""

    async def expired_leases(self, now: datetime) -> list[tuple[uuid.UUID, int]]:
        found = await super().expired_leases(now)
        async with self._db.writer.begin() as conn:
            for response_id, _attempt in found:
                await conn.execute(
                    update(responses)
                    .where(responses.c.id == response_id)
                    .values(attempt=responses.c.attempt + 1, lease_expires_at=now + LEASE)
                )
        return found


async def test_reap_is_fenced_by_the_attempt_it_read(db: Database) -> None:
    turns = TakenOverStore(db)
    accepted = await turns.create_thread(account_id=1, request=ask(), now=utcnow())
    await turns.claim(worker_id="dead", limit=1, lease=LEASE, now=utcnow() - 2 * LEASE)

    await runner_for(db, turns).reap()

    taken = await response_of(db, accepted.response_id)
    assert (taken.status, taken.error) == (ResponseStatus.RUNNING, None)
    page = await QueryStore(db).messages_page(accepted.thread_id, PageRequest(size=10))
    assert [m.seq for m in page.items] == [1]  # no final message was written


async def test_reap_leaves_the_runners_own_running_turns_alone(db: Database) -> None:
    turns = TurnStore(db)
    accepted = await turns.create_thread(account_id=1, request=ask("!omni:hang"), now=utcnow())
    # A lease of 50 ms and no heartbeat task: it expires while this runner still runs it.
    runner = runner_for(db, turns, lease_seconds=0.05)
    assert await runner.tick() == 1
    try:
        await wait_for(lambda: turns.expired_leases(utcnow()))
        await runner.reap()
        assert (await response_of(db, accepted.response_id)).status is ResponseStatus.RUNNING
    finally:
        await runner.stop()
