"""IdempotencyService on a fake store: claim, replay, mismatch, release on error, waiting."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from omni_server.domain import errors
from omni_server.domain.idempotency import Horizon
from omni_server.domain.ids import new_id, utcnow
from omni_server.services.idempotency import (
    KEY_IN_PROGRESS,
    KEY_LENGTH,
    KEY_REUSED,
    IdempotencyService,
    request_fingerprint,
)
from tests.unit.fakes import FakeIdempotencyStore

API_KEY = new_id()
SAME = request_fingerprint("POST", "/threads", b'{"text": "hi"}')
OTHER = request_fingerprint("POST", "/threads", b'{"text": "bye"}')


class Action:
    """A request body to run: counts its runs, and can be held open or made to fail."""

    def __init__(self, answer: Any = None, *, fail: BaseException | None = None) -> None:
        self.answer = {"id": "r1"} if answer is None else answer
        self.fail = fail
        self.runs = 0
        self.gate: asyncio.Event | None = None

    def hold(self) -> asyncio.Event:
        self.gate = asyncio.Event()
        return self.gate

    async def __call__(self) -> Any:
        self.runs += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return self.answer


@pytest.fixture
def store() -> FakeIdempotencyStore:
    return FakeIdempotencyStore()


@pytest.fixture
def service(store: FakeIdempotencyStore) -> IdempotencyService:
    return IdempotencyService(store, wait=2.0)


async def test_the_first_request_runs_and_its_answer_is_stored(
    service: IdempotencyService, store: FakeIdempotencyStore
) -> None:
    action = Action()

    outcome = await service.run(API_KEY, "k", SAME, action)

    assert (outcome.data, outcome.replayed, action.runs) == ({"id": "r1"}, False, 1)
    stored = store.rows[API_KEY, "k"]
    assert (stored.status_code, stored.answer, stored.request_hash) == (200, {"id": "r1"}, SAME)


async def test_a_repeat_replays_the_answer_without_running(service: IdempotencyService) -> None:
    await service.run(API_KEY, "k", SAME, Action())
    again = Action({"id": "r2"})

    outcome = await service.run(API_KEY, "k", SAME, again)

    assert (outcome.data, outcome.replayed, again.runs) == ({"id": "r1"}, True, 0)


async def test_the_same_key_with_another_request_is_refused_answered_or_pending(
    service: IdempotencyService,
) -> None:
    await service.run(API_KEY, "done", SAME, Action())
    held = Action()
    gate = held.hold()
    first = asyncio.create_task(service.run(API_KEY, "pending", SAME, held))
    await asyncio.sleep(0)

    for key in ["done", "pending"]:
        with pytest.raises(errors.InvalidBody) as caught:
            await service.run(API_KEY, key, OTHER, Action())
        assert caught.value.message == KEY_REUSED
    gate.set()
    await first


async def test_another_api_key_may_use_the_same_string(service: IdempotencyService) -> None:
    await service.run(API_KEY, "k", SAME, Action())
    other = Action()
    outcome = await service.run(new_id(), "k", OTHER, other)
    assert (outcome.replayed, other.runs) == (False, 1)


@pytest.mark.parametrize("failure", [errors.Conflict("busy"), asyncio.CancelledError()])
async def test_an_error_passes_through_and_frees_the_key(
    service: IdempotencyService, store: FakeIdempotencyStore, failure: BaseException
) -> None:
    with pytest.raises(type(failure)):
        await service.run(API_KEY, "k", SAME, Action(fail=failure))
    assert store.rows == {}

    retry = Action()
    outcome = await service.run(API_KEY, "k", SAME, retry)
    assert (outcome.replayed, retry.runs) == (False, 1)


async def test_a_concurrent_repeat_waits_for_the_answer_and_replays_it(
    service: IdempotencyService,
) -> None:
    holder = Action()
    gate = holder.hold()
    first = asyncio.create_task(service.run(API_KEY, "k", SAME, holder))
    await asyncio.sleep(0)
    repeat = Action({"id": "never"})
    second = asyncio.create_task(service.run(API_KEY, "k", SAME, repeat))
    await asyncio.sleep(0.03)
    assert not second.done()

    gate.set()

    assert (await first).replayed is False
    replayed = await second
    assert (replayed.data, replayed.replayed, repeat.runs, holder.runs) == (
        {"id": "r1"},
        True,
        0,
        1,
    )


async def test_a_waiting_repeat_runs_itself_when_the_holder_fails(
    service: IdempotencyService, store: FakeIdempotencyStore
) -> None:
    holder = Action(fail=errors.Conflict("busy"))
    gate = holder.hold()
    first = asyncio.create_task(service.run(API_KEY, "k", SAME, holder))
    await asyncio.sleep(0)
    repeat = Action({"id": "r2"})
    second = asyncio.create_task(service.run(API_KEY, "k", SAME, repeat))
    await asyncio.sleep(0.02)

    gate.set()

    with pytest.raises(errors.Conflict):
        await first
    outcome = await second
    assert (outcome.data, outcome.replayed, repeat.runs) == ({"id": "r2"}, False, 1)
    assert store.rows[API_KEY, "k"].answer == {"id": "r2"}


async def test_a_repeat_gives_up_with_409_while_the_holder_still_runs(
    store: FakeIdempotencyStore,
) -> None:
    service = IdempotencyService(store, wait=0.05)
    holder = Action()
    gate = holder.hold()
    first = asyncio.create_task(service.run(API_KEY, "k", SAME, holder))
    await asyncio.sleep(0)

    with pytest.raises(errors.Conflict) as caught:
        await service.run(API_KEY, "k", SAME, Action())

    assert caught.value.message == KEY_IN_PROGRESS
    gate.set()
    await first


@pytest.mark.parametrize("key", ["", "x" * 256])
async def test_a_key_of_the_wrong_length_is_a_400(
    service: IdempotencyService, store: FakeIdempotencyStore, key: str
) -> None:
    with pytest.raises(errors.InvalidRequest) as caught:
        await service.run(API_KEY, key, SAME, Action())
    assert caught.value.message == KEY_LENGTH
    assert store.rows == {}


async def test_a_key_of_255_characters_is_accepted(service: IdempotencyService) -> None:
    assert not (await service.run(API_KEY, "x" * 255, SAME, Action())).replayed


async def test_an_answer_older_than_the_ttl_is_forgotten(store: FakeIdempotencyStore) -> None:
    start = utcnow()
    await IdempotencyService(store, clock=lambda: start).run(API_KEY, "k", SAME, Action())
    later = start + timedelta(hours=24, seconds=1)
    action = Action({"id": "r2"})

    outcome = await IdempotencyService(store, clock=lambda: later).run(API_KEY, "k", OTHER, action)

    assert (outcome.data, outcome.replayed) == ({"id": "r2"}, False)


async def test_a_claim_abandoned_by_a_dead_request_is_taken_over(
    store: FakeIdempotencyStore,
) -> None:
    crashed_at = utcnow() - timedelta(minutes=6)
    horizon = Horizon(live_after=crashed_at, pending_after=crashed_at)
    assert await store.claim(API_KEY, "k", SAME, now=crashed_at, horizon=horizon) is None
    action = Action()

    outcome = await IdempotencyService(store, wait=0.05).run(API_KEY, "k", SAME, action)

    assert (outcome.replayed, action.runs) == (False, 1)


async def test_expired_keys_are_purged_at_most_once_an_interval(
    store: FakeIdempotencyStore,
) -> None:
    now = utcnow()
    service = IdempotencyService(store, purge_interval=600.0, clock=lambda: now)

    await service.run(API_KEY, "a", SAME, Action())
    await service.run(API_KEY, "b", SAME, Action())

    assert store.purges == [now - timedelta(hours=24)]
    eager = IdempotencyService(store, purge_interval=0.0, clock=lambda: now)
    await eager.run(API_KEY, "c", SAME, Action())
    await eager.run(API_KEY, "d", SAME, Action())
    assert len(store.purges) == 3


def test_the_fingerprint_ignores_json_layout_but_not_the_request() -> None:
    compact = request_fingerprint("post", "/t", b'{"a":1,"b":[1,2]}')
    assert compact == request_fingerprint("POST", "/t", b'{ "b": [1, 2],\n "a": 1 }')
    assert compact != request_fingerprint("POST", "/u", b'{"a":1,"b":[1,2]}')
    assert compact != request_fingerprint("PUT", "/t", b'{"a":1,"b":[1,2]}')
    assert request_fingerprint("POST", "/t", b"not json") != request_fingerprint(
        "POST", "/t", b"not  json"
    )
