"""ReadService on fakes: every read is scoped to an account the key holds."""

from __future__ import annotations

from typing import Any

import pytest

from omni_server.domain import errors
from omni_server.domain.ids import new_id, utcnow
from omni_server.domain.lifecycle import ResponseStatus
from omni_server.domain.models import AcceptedTurn, Mode, TurnRequest
from omni_server.domain.paging import Cursor, Direction, PageRequest
from omni_server.services.reads import INVALID_TOKEN, ReadService
from tests.unit.fakes import FakeQueryStore, FakeTurnStore, Tables, principal

HI = TurnRequest(mode=Mode.INSTANT, text="hi")
CALLER = principal(1, 2)
OUTSIDER = principal(3)


@pytest.fixture
def tables() -> Tables:
    return Tables()


@pytest.fixture
def turns(tables: Tables) -> FakeTurnStore:
    return FakeTurnStore(tables)


@pytest.fixture
def reads(tables: Tables) -> ReadService:
    return ReadService(FakeQueryStore(tables))


@pytest.fixture
async def turn(turns: FakeTurnStore) -> AcceptedTurn:
    """One queued turn in account 1."""
    return await turns.create_thread(account_id=1, request=HI, now=utcnow())


async def test_thread_is_found_only_in_its_own_account(
    reads: ReadService, turn: AcceptedTurn
) -> None:
    assert (await reads.thread(CALLER, 1, turn.thread_id)).id == turn.thread_id
    for account_id, thread_id in [(2, turn.thread_id), (1, new_id())]:
        with pytest.raises(errors.NotFound) as caught:
            await reads.thread(CALLER, account_id, thread_id)
        assert caught.value.message == errors.THREAD_NOT_FOUND


async def test_threads_lists_the_account_and_turns_a_bad_cursor_into_400(
    reads: ReadService, turns: FakeTurnStore, turn: AcceptedTurn
) -> None:
    await turns.create_thread(account_id=2, request=HI, now=utcnow())

    page = await reads.threads(CALLER, 1, PageRequest(size=10))
    assert [t.id for t in page.items] == [turn.thread_id]

    for key in [("not a time", "x"), ("2026-01-01T00:00:00+00:00",)]:
        bad = PageRequest(size=10, cursor=Cursor(Direction.NEXT, key, 10))
        with pytest.raises(errors.InvalidRequest) as caught:
            await reads.threads(CALLER, 1, bad)
        assert caught.value.message == INVALID_TOKEN


async def test_messages_need_the_thread_in_the_account_and_a_usable_cursor(
    reads: ReadService, turn: AcceptedTurn
) -> None:
    page = await reads.messages(CALLER, 1, turn.thread_id, PageRequest(size=10))
    assert [m.id for m in page.items] == [turn.user_message_id]

    with pytest.raises(errors.NotFound) as caught:
        await reads.messages(CALLER, 2, turn.thread_id, PageRequest(size=10))
    assert caught.value.message == errors.THREAD_NOT_FOUND

    bad = PageRequest(size=10, cursor=Cursor(Direction.NEXT, ("seven",), 10))
    with pytest.raises(errors.InvalidRequest) as invalid:
        await reads.messages(CALLER, 1, turn.thread_id, bad)
    assert invalid.value.message == INVALID_TOKEN


async def test_message_is_found_only_in_its_own_account(
    reads: ReadService, turn: AcceptedTurn
) -> None:
    assert (await reads.message(CALLER, 1, turn.user_message_id)).id == turn.user_message_id
    for account_id, message_id in [(2, turn.user_message_id), (1, new_id())]:
        with pytest.raises(errors.NotFound) as caught:
            await reads.message(CALLER, account_id, message_id)
        assert caught.value.message == errors.MESSAGE_NOT_FOUND


async def test_response_is_found_only_in_its_own_account(
    reads: ReadService, turn: AcceptedTurn
) -> None:
    assert (await reads.response(CALLER, 1, turn.response_id)).id == turn.response_id
    for account_id, response_id in [(2, turn.response_id), (1, new_id())]:
        with pytest.raises(errors.NotFound) as caught:
            await reads.response(CALLER, account_id, response_id)
        assert caught.value.message == errors.RESPONSE_NOT_FOUND


async def test_active_response_follows_the_turn_and_checks_the_thread(
    reads: ReadService, turns: FakeTurnStore, turn: AcceptedTurn
) -> None:
    active = await reads.active_response(CALLER, 1, turn.thread_id)
    assert active is not None and active.id == turn.response_id

    await turns.finalize(turn.response_id, ResponseStatus.CANCELED, now=utcnow())
    assert await reads.active_response(CALLER, 1, turn.thread_id) is None

    with pytest.raises(errors.NotFound):
        await reads.active_response(CALLER, 2, turn.thread_id)


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("thread", (new_id(),)),
        ("threads", (PageRequest(size=10),)),
        ("messages", (new_id(), PageRequest(size=10))),
        ("message", (new_id(),)),
        ("response", (new_id(),)),
        ("active_response", (new_id(),)),
    ],
)
async def test_every_read_refuses_an_account_the_key_lacks(
    reads: ReadService, method: str, args: tuple[Any, ...]
) -> None:
    with pytest.raises(errors.PermissionDenied):
        await getattr(reads, method)(OUTSIDER, 1, *args)
