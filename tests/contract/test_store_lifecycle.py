"""The store's guarantees, on every backend: one active turn, one final message, fencing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest

from omni_server.domain import errors
from omni_server.domain.ids import utcnow
from omni_server.domain.lifecycle import ResponseStatus
from omni_server.domain.models import ErrorInfo, Mode, TurnRequest
from omni_server.domain.paging import Direction, PageRequest
from omni_server.store import migrate
from omni_server.store.db import Database
from omni_server.store.queries import QueryStore
from omni_server.store.turns import TurnStore

LEASE = timedelta(seconds=30)


def ask(text: str = "What is AAPL?") -> TurnRequest:
    return TurnRequest(mode=Mode.INSTANT, text=text)


async def test_migrations_are_current_and_idempotent(db: Database) -> None:
    assert await migrate.is_current(db.reader)
    await migrate.upgrade(db.writer)
    assert await migrate.is_current(db.reader)


async def test_second_active_turn_is_refused_by_the_database(db: Database) -> None:
    turns = TurnStore(db)
    first = await turns.create_thread(account_id=1, request=ask(), now=utcnow())
    with pytest.raises(errors.Conflict) as caught:
        await turns.create_message(
            thread_id=first.thread_id, account_id=1, request=ask(), now=utcnow()
        )
    assert caught.value.message == "thread already has an active response"
    assert caught.value.details == [{"active_response_id": str(first.response_id)}]


async def test_concurrent_turns_on_one_thread_admit_exactly_one(db: Database) -> None:
    turns = TurnStore(db)
    first = await turns.create_thread(account_id=1, request=ask(), now=utcnow())
    await turns.finalize(first.response_id, ResponseStatus.CANCELED, now=utcnow())

    async def attempt() -> str:
        try:
            await turns.create_message(
                thread_id=first.thread_id, account_id=1, request=ask(), now=utcnow()
            )
        except errors.Conflict:
            return "conflict"
        return "accepted"

    results = await asyncio.gather(*(attempt() for _ in range(20)))
    assert results.count("accepted") == 1
    assert results.count("conflict") == 19


async def test_message_on_foreign_or_missing_thread_is_not_found(db: Database) -> None:
    turns = TurnStore(db)
    first = await turns.create_thread(account_id=1, request=ask(), now=utcnow())
    for thread_id, account in ((first.thread_id, 2), (uuid.uuid4(), 1)):
        with pytest.raises(errors.NotFound):
            await turns.create_message(
                thread_id=thread_id, account_id=account, request=ask(), now=utcnow()
            )


async def test_finalize_once_then_every_later_writer_changes_nothing(db: Database) -> None:
    turns, queries = TurnStore(db), QueryStore(db)
    accepted = await turns.create_thread(account_id=1, request=ask(), now=utcnow())
    [claim] = await turns.claim(worker_id="w", limit=5, lease=LEASE, now=utcnow())
    parts = [{"type": "thinking", "thoughts": ["x"]}, {"type": "text", "text": "partial"}]
    assert await turns.record_progress(claim, parts)

    canceled = await turns.finalize(accepted.response_id, ResponseStatus.CANCELED, now=utcnow())
    assert canceled is not None
    late = await turns.finalize(
        accepted.response_id,
        ResponseStatus.SUCCEEDED,
        now=utcnow(),
        parts=[],
        attempt=claim.attempt,
    )
    assert late is None
    assert not await turns.record_progress(claim, [{"type": "text", "text": "more"}])
    again = await turns.finalize(accepted.response_id, ResponseStatus.CANCELED, now=utcnow())
    assert again is None

    response = await queries.response(accepted.response_id)
    assert response is not None and response.status is ResponseStatus.CANCELED
    assert response.parts == tuple(parts)
    page = await queries.messages_page(accepted.thread_id, PageRequest(size=10))
    assert [(m.seq, m.role.value, m.outcome.value) for m in page.items] == [
        (1, "USER", "completed"),
        (2, "ASSISTANT", "canceled"),
    ]
    assert page.items[1].parts == ({"type": "text", "text": "partial"},)
    assert page.items[1].id == response.output_message_id


async def test_stale_attempt_is_fenced_after_reaping(db: Database) -> None:
    turns = TurnStore(db)
    accepted = await turns.create_thread(account_id=1, request=ask(), now=utcnow())
    past = utcnow() - timedelta(minutes=5)
    [claim] = await turns.claim(worker_id="dead", limit=1, lease=LEASE, now=past)
    assert await turns.expired_leases(utcnow()) == [(accepted.response_id, claim.attempt)]
    lost = ErrorInfo("worker_lost", "gone")
    reaped = await turns.finalize(
        accepted.response_id, ResponseStatus.FAILED, now=utcnow(), error=lost, attempt=claim.attempt
    )
    assert reaped is not None and reaped.error == lost
    assert not await turns.record_progress(claim, [])


async def test_claims_are_first_come_first_served_and_limited(db: Database) -> None:
    turns = TurnStore(db)
    created = [
        (await turns.create_thread(account_id=1, request=ask(), now=utcnow())).response_id
        for _ in range(5)
    ]
    first = await turns.claim(worker_id="w", limit=3, lease=LEASE, now=utcnow())
    second = await turns.claim(worker_id="w", limit=3, lease=LEASE, now=utcnow())
    assert [c.response.id for c in first] == created[:3]
    assert [c.response.id for c in second] == created[3:]
    assert all(c.attempt == 1 for c in first + second)


async def test_concurrent_claimers_never_share_a_response(db: Database) -> None:
    turns = TurnStore(db)
    for _ in range(30):
        await turns.create_thread(account_id=1, request=ask(), now=utcnow())
    batches = await asyncio.gather(
        *(turns.claim(worker_id=f"w{i}", limit=4, lease=LEASE, now=utcnow()) for i in range(10))
    )
    ids = [c.response.id for batch in batches for c in batch]
    assert len(ids) == len(set(ids)) == 30


async def test_history_pages_walk_both_ways_without_gaps(db: Database) -> None:
    turns, queries = TurnStore(db), QueryStore(db)
    accepted = await turns.create_thread(account_id=1, request=ask("0"), now=utcnow())
    await turns.finalize(accepted.response_id, ResponseStatus.CANCELED, now=utcnow())
    for i in range(1, 6):
        nxt = await turns.create_message(
            thread_id=accepted.thread_id, account_id=1, request=ask(str(i)), now=utcnow()
        )
        await turns.finalize(nxt.response_id, ResponseStatus.CANCELED, now=utcnow())
    latest = await queries.messages_page(accepted.thread_id, PageRequest(size=4))
    assert [m.seq for m in latest.items] == [9, 10, 11, 12]
    assert latest.previous_cursor is None and latest.next_cursor is not None
    older = await queries.messages_page(
        accepted.thread_id, PageRequest(size=4, cursor=latest.next_cursor)
    )
    assert [m.seq for m in older.items] == [5, 6, 7, 8]
    oldest = await queries.messages_page(
        accepted.thread_id, PageRequest(size=4, cursor=older.next_cursor)
    )
    assert [m.seq for m in oldest.items] == [1, 2, 3, 4]
    assert oldest.next_cursor is None
    assert oldest.previous_cursor is not None
    assert oldest.previous_cursor.direction is Direction.PREVIOUS
    back = await queries.messages_page(
        accepted.thread_id, PageRequest(size=4, cursor=oldest.previous_cursor)
    )
    assert [m.seq for m in back.items] == [5, 6, 7, 8]


async def test_threads_page_by_recent_activity(db: Database) -> None:
    turns, queries = TurnStore(db), QueryStore(db)
    made = []
    for i in range(5):
        a = await turns.create_thread(account_id=1, request=ask(f"t{i}"), now=utcnow())
        await turns.finalize(a.response_id, ResponseStatus.CANCELED, now=utcnow())
        made.append(a.thread_id)
    await turns.create_message(thread_id=made[0], account_id=1, request=ask(), now=utcnow())
    first = await queries.threads_page(1, PageRequest(size=2))
    assert [t.id for t in first.items] == [made[0], made[4]]
    second = await queries.threads_page(1, PageRequest(size=2, cursor=first.next_cursor))
    assert [t.id for t in second.items] == [made[3], made[2]]
    assert second.previous_cursor is not None
    back = await queries.threads_page(1, PageRequest(size=2, cursor=second.previous_cursor))
    assert [t.id for t in back.items] == [made[0], made[4]]
    assert (await queries.threads_page(2, PageRequest(size=2))).items == []


async def test_heartbeat_extends_only_the_claims_named(db: Database) -> None:
    turns = TurnStore(db)
    for _ in range(2):
        await turns.create_thread(account_id=1, request=ask(), now=utcnow())
    start = utcnow()
    alive, dead = await turns.claim(worker_id="w", limit=2, lease=LEASE, now=start)
    later = start + LEASE + timedelta(seconds=1)
    renewed = await turns.heartbeat([alive], lease=LEASE, now=later - timedelta(seconds=2))
    assert renewed == {alive.response.id}
    assert await turns.expired_leases(later) == [(dead.response.id, dead.attempt)]
