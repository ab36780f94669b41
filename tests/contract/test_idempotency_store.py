"""Idempotency keys on every backend: the primary key picks one winner, answers replay, errors
free the key, dead rows are replaced, and the service runs a request once under a race."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest

from omni_server.domain import errors
from omni_server.domain.idempotency import Horizon
from omni_server.domain.ids import new_id, utcnow
from omni_server.services.idempotency import (
    KEY_IN_PROGRESS,
    KEY_REUSED,
    IdempotencyService,
)
from omni_server.store.db import Database
from omni_server.store.idempotency import IdempotencyStore
from tests.support import Harness, wait_terminal

DAY = timedelta(hours=24)
ANSWER = {"thread_id": "t", "response_id": "r", "user_message_id": "u"}


def horizon(now: Any, *, abandon: timedelta = timedelta(minutes=5)) -> Horizon:
    return Horizon(live_after=now - DAY, pending_after=now - abandon)


@pytest.fixture
def store(db: Database) -> IdempotencyStore:
    return IdempotencyStore(db)


async def test_first_claim_wins_and_its_answer_is_kept(store: IdempotencyStore) -> None:
    key_id, now = new_id(), utcnow()
    assert await store.claim(key_id, "k", "h1", now=now, horizon=horizon(now)) is None
    pending = await store.claim(key_id, "k", "h1", now=utcnow(), horizon=horizon(now))
    assert pending is not None and pending.pending and pending.request_hash == "h1"
    assert pending.created_at == now
    assert await store.complete(key_id, "k", claimed_at=now, status_code=200, answer=ANSWER)
    done = await store.get(key_id, "k", horizon=horizon(utcnow()))
    assert done is not None and not done.pending
    assert (done.status_code, done.answer) == (200, ANSWER)
    again = await store.claim(key_id, "k", "h2", now=utcnow(), horizon=horizon(utcnow()))
    assert again == done
    # An answered row is final: neither completed twice nor released.
    assert not await store.complete(key_id, "k", claimed_at=now, status_code=200, answer={})
    assert not await store.release(key_id, "k", claimed_at=now)


async def test_keys_are_scoped_per_api_key(store: IdempotencyStore) -> None:
    now = utcnow()
    for key_id in (new_id(), new_id()):
        assert await store.claim(key_id, "same", "h", now=now, horizon=horizon(now)) is None


async def test_concurrent_claims_admit_exactly_one(store: IdempotencyStore) -> None:
    key_id = new_id()

    async def attempt() -> bool:
        now = utcnow()
        return await store.claim(key_id, "race", "h", now=now, horizon=horizon(now)) is None

    results = await asyncio.gather(*(attempt() for _ in range(25)))
    assert results.count(True) == 1


async def test_release_frees_the_key(store: IdempotencyStore) -> None:
    key_id, first = new_id(), utcnow()
    assert await store.claim(key_id, "k", "h1", now=first, horizon=horizon(first)) is None
    assert await store.release(key_id, "k", claimed_at=first)
    assert await store.get(key_id, "k", horizon=horizon(utcnow())) is None
    second = utcnow()
    assert await store.claim(key_id, "k", "h2", now=second, horizon=horizon(second)) is None


async def test_dead_rows_are_ignored_and_replaced(store: IdempotencyStore) -> None:
    key_id, old = new_id(), utcnow() - timedelta(hours=25)
    assert await store.claim(key_id, "expired", "h", now=old, horizon=horizon(old)) is None
    assert await store.complete(key_id, "expired", claimed_at=old, status_code=200, answer={})
    abandoned = utcnow() - timedelta(minutes=10)
    assert (
        await store.claim(key_id, "abandoned", "h", now=abandoned, horizon=horizon(abandoned))
        is None
    )
    now = utcnow()
    for key in ("expired", "abandoned"):
        assert await store.get(key_id, key, horizon=horizon(now)) is None
        assert await store.claim(key_id, key, "other", now=now, horizon=horizon(now)) is None
    # The abandoned holder is fenced off: it can neither answer nor release the new claim.
    assert not await store.complete(
        key_id, "abandoned", claimed_at=abandoned, status_code=200, answer={}
    )
    assert not await store.release(key_id, "abandoned", claimed_at=abandoned)
    current = await store.get(key_id, "abandoned", horizon=horizon(utcnow()))
    assert current is not None and current.pending and current.request_hash == "other"


async def test_purge_deletes_only_expired_keys(store: IdempotencyStore) -> None:
    key_id, old, now = new_id(), utcnow() - timedelta(hours=30), utcnow()
    await store.claim(key_id, "old", "h", now=old, horizon=horizon(old))
    await store.claim(key_id, "new", "h", now=now, horizon=horizon(now))
    assert await store.purge(before=utcnow() - DAY) == 1
    assert await store.get(key_id, "new", horizon=horizon(utcnow())) is not None


# -- the service on each backend ----------------------------------------------------------


async def test_concurrent_runs_start_the_action_once(store: IdempotencyStore) -> None:
    service = IdempotencyService(store)
    key_id, calls = new_id(), []

    async def action() -> dict[str, str]:
        calls.append(1)
        await asyncio.sleep(0.05)  # the losers arrive while the winner is still running
        return {"id": str(uuid.uuid4())}

    outcomes = await asyncio.gather(*(service.run(key_id, "race", "fp", action) for _ in range(25)))
    assert len(calls) == 1
    assert len({o.data["id"] for o in outcomes}) == 1
    assert sum(not o.replayed for o in outcomes) == 1


async def test_failed_run_frees_the_key_for_a_waiting_repeat(store: IdempotencyStore) -> None:
    service = IdempotencyService(store)
    key_id, started = new_id(), asyncio.Event()

    async def failing() -> dict[str, str]:
        started.set()
        await asyncio.sleep(0.05)
        raise errors.Conflict("thread already has an active response")

    async def succeeding() -> dict[str, str]:
        return {"ok": "yes"}

    first = asyncio.create_task(service.run(key_id, "k", "fp", failing))
    await started.wait()
    second = await service.run(key_id, "k", "fp", succeeding)
    with pytest.raises(errors.Conflict):
        await first
    assert (second.data, second.replayed) == ({"ok": "yes"}, False)
    replay = await service.run(key_id, "k", "fp", failing)
    assert (replay.data, replay.replayed) == ({"ok": "yes"}, True)


async def test_different_request_and_slow_holder(store: IdempotencyStore) -> None:
    service = IdempotencyService(store, wait=0.2)
    key_id, release = new_id(), asyncio.Event()

    async def slow() -> dict[str, str]:
        await release.wait()
        return {"ok": "slow"}

    holder = asyncio.create_task(service.run(key_id, "k", "fp", slow))
    await asyncio.sleep(0.05)
    with pytest.raises(errors.InvalidBody) as reused:
        await service.run(key_id, "k", "other", slow)
    assert reused.value.message == KEY_REUSED
    with pytest.raises(errors.Conflict) as busy:
        await service.run(key_id, "k", "fp", slow)
    assert busy.value.message == KEY_IN_PROGRESS
    release.set()
    assert (await holder).data == {"ok": "slow"}


async def test_an_expired_answer_is_not_replayed(store: IdempotencyStore) -> None:
    later = utcnow() + timedelta(hours=25)
    today = IdempotencyService(store)
    tomorrow = IdempotencyService(store, clock=lambda: later)
    key_id = new_id()

    async def action() -> dict[str, str]:
        return {"id": str(uuid.uuid4())}

    first = await today.run(key_id, "k", "fp", action)
    assert (await today.run(key_id, "k", "fp", action)).data == first.data
    again = await tomorrow.run(key_id, "k", "other", action)  # no 422: the old key has expired
    assert not again.replayed and again.data != first.data


async def test_http_race_starts_one_turn(any_harness: Harness) -> None:
    h = any_harness
    body = {"type": "instant", "account_id": 1, "text": "What is AAPL?"}
    answers = await asyncio.gather(
        *(
            h.client.post("/v1/omni-ai/threads", json=body, headers={"Idempotency-Key": "race"})
            for _ in range(25)
        )
    )
    assert {r.status_code for r in answers} == {200}
    assert len({json.dumps(r.json()["data"], sort_keys=True) for r in answers}) == 1
    listed = await h.client.get("/v1/omni-ai/threads", params={"account_id": 1})
    assert len(listed.json()["data"]) == 1
    final = await wait_terminal(h.client, answers[0].json()["data"]["response_id"])
    assert final["status"] == "succeeded"
