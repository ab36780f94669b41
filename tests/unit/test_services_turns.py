"""TurnService on fakes: creating threads and messages, and the synchronous cancel."""

from __future__ import annotations

import pytest

from omni_server.domain import errors
from omni_server.domain.ids import new_id, utcnow
from omni_server.domain.lifecycle import MessageOutcome, ResponseStatus
from omni_server.domain.models import Mode, TurnRequest
from omni_server.services.turns import TurnService
from tests.unit.fakes import FakeQueryStore, FakeSignals, FakeTurnStore, Tables, principal

HI = TurnRequest(mode=Mode.INSTANT, text="hi")
CALLER = principal(1, 2)


@pytest.fixture
def tables() -> Tables:
    return Tables()


@pytest.fixture
def store(tables: Tables) -> FakeTurnStore:
    return FakeTurnStore(tables)


@pytest.fixture
def signals() -> FakeSignals:
    return FakeSignals()


@pytest.fixture
def service(store: FakeTurnStore, tables: Tables, signals: FakeSignals) -> TurnService:
    return TurnService(store, FakeQueryStore(tables), signals)


async def test_create_thread_queues_a_turn_for_the_key_and_wakes_the_runner(
    service: TurnService, tables: Tables, signals: FakeSignals
) -> None:
    accepted = await service.create_thread(CALLER, 2, HI)

    assert tables.threads[accepted.thread_id].account_id == 2
    assert tables.responses[accepted.response_id].status is ResponseStatus.QUEUED
    assert tables.response_keys[accepted.response_id] == CALLER.key_id
    assert tables.messages[accepted.user_message_id].parts == ({"type": "text", "text": "hi"},)
    assert signals.queued == 1


async def test_create_thread_for_an_account_the_key_lacks_is_refused_before_any_write(
    service: TurnService, tables: Tables, signals: FakeSignals
) -> None:
    with pytest.raises(errors.PermissionDenied):
        await service.create_thread(principal(1), 2, HI)
    assert tables.threads == {}
    assert signals.queued == 0


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (TurnRequest(mode=Mode.INSTANT, text=" \n\t"), errors.TEXT_REQUIRED),
        (TurnRequest(mode=Mode.DEEP_INSIGHTS, text="why"), errors.TARGET_REQUIRED),
    ],
)
async def test_mode_rules_refuse_the_turn_before_any_write(
    service: TurnService, tables: Tables, request_: TurnRequest, message: str
) -> None:
    with pytest.raises(errors.InvalidRequest) as caught:
        await service.create_thread(CALLER, 1, request_)
    assert caught.value.message == message
    assert tables.threads == {}


async def test_deep_insights_needs_a_target_but_no_text(service: TurnService) -> None:
    request = TurnRequest(mode=Mode.DEEP_INSIGHTS, text="", target={"ticker": "aapl"})
    accepted = await service.create_thread(CALLER, 1, request)
    assert accepted.response_id


async def test_create_message_queues_the_next_turn_once_the_last_one_ended(
    service: TurnService, tables: Tables, signals: FakeSignals
) -> None:
    first = await service.create_thread(CALLER, 1, HI)
    await service.cancel(CALLER, 1, first.response_id)

    second = await service.create_message(CALLER, 1, first.thread_id, HI)

    assert second.thread_id == first.thread_id
    assert tables.responses[second.response_id].output_seq == 4
    assert tables.response_keys[second.response_id] == CALLER.key_id
    assert signals.queued == 2


async def test_create_message_while_a_turn_is_active_is_a_conflict_naming_it(
    service: TurnService, signals: FakeSignals
) -> None:
    first = await service.create_thread(CALLER, 1, HI)

    with pytest.raises(errors.Conflict) as caught:
        await service.create_message(CALLER, 1, first.thread_id, HI)

    assert caught.value.details == [{"active_response_id": str(first.response_id)}]
    assert signals.queued == 1


async def test_create_message_on_an_unknown_or_foreign_thread_is_not_found(
    service: TurnService,
) -> None:
    mine = await service.create_thread(CALLER, 1, HI)
    for account_id, thread_id in [(1, new_id()), (2, mine.thread_id)]:
        with pytest.raises(errors.NotFound) as caught:
            await service.create_message(CALLER, account_id, thread_id, HI)
        assert caught.value.message == errors.THREAD_NOT_FOUND


async def test_create_message_checks_the_account_and_the_mode(service: TurnService) -> None:
    mine = await service.create_thread(CALLER, 1, HI)
    with pytest.raises(errors.PermissionDenied):
        await service.create_message(principal(2), 1, mine.thread_id, HI)
    with pytest.raises(errors.InvalidRequest):
        await service.create_message(CALLER, 1, mine.thread_id, TurnRequest(Mode.INSTANT, ""))


async def test_the_key_is_passed_down_so_its_active_limit_applies(tables: Tables) -> None:
    limited = TurnService(
        FakeTurnStore(tables, max_active_per_key=1), FakeQueryStore(tables), FakeSignals()
    )
    await limited.create_thread(CALLER, 1, HI)
    with pytest.raises(errors.TooManyRequests):
        await limited.create_thread(CALLER, 1, HI)
    await limited.create_thread(principal(1), 1, HI)


async def test_cancel_of_a_queued_turn_finalizes_it_and_tells_the_runner(
    service: TurnService, tables: Tables, signals: FakeSignals
) -> None:
    accepted = await service.create_thread(CALLER, 1, HI)

    result = await service.cancel(CALLER, 1, accepted.response_id)

    assert result.canceled
    response = tables.responses[accepted.response_id]
    assert response.status is ResponseStatus.CANCELED
    assert tables.messages[response.output_message_id].outcome is MessageOutcome.CANCELED
    assert signals.canceled == [accepted.response_id]


async def test_cancel_of_a_running_turn_keeps_its_partial_content(
    service: TurnService, store: FakeTurnStore, tables: Tables, signals: FakeSignals
) -> None:
    accepted = await service.create_thread(CALLER, 1, HI)
    thinking = {"type": "thinking", "thoughts": ["hm"]}
    text = {"type": "text", "text": "Hal"}
    store.start(accepted.response_id, [thinking, text])

    assert (await service.cancel(CALLER, 1, accepted.response_id)).canceled

    response = tables.responses[accepted.response_id]
    assert tables.messages[response.output_message_id].parts == (text,)
    assert signals.canceled == [accepted.response_id]


async def test_cancel_is_idempotent_and_signals_only_once(
    service: TurnService, signals: FakeSignals
) -> None:
    accepted = await service.create_thread(CALLER, 1, HI)
    await service.cancel(CALLER, 1, accepted.response_id)

    again = await service.cancel(CALLER, 1, accepted.response_id)

    assert again.canceled
    assert signals.canceled == [accepted.response_id]


async def test_cancel_after_the_turn_succeeded_reports_it_was_not_canceled(
    service: TurnService, store: FakeTurnStore, tables: Tables, signals: FakeSignals
) -> None:
    accepted = await service.create_thread(CALLER, 1, HI)
    store.start(accepted.response_id)
    await store.finalize(accepted.response_id, ResponseStatus.SUCCEEDED, now=utcnow())

    result = await service.cancel(CALLER, 1, accepted.response_id)

    assert not result.canceled
    assert tables.responses[accepted.response_id].status is ResponseStatus.SUCCEEDED
    assert signals.canceled == []


async def test_cancel_in_another_account_or_of_an_unknown_id_is_not_found(
    service: TurnService, tables: Tables, signals: FakeSignals
) -> None:
    accepted = await service.create_thread(CALLER, 1, HI)
    for account_id, response_id in [(2, accepted.response_id), (1, new_id())]:
        with pytest.raises(errors.NotFound) as caught:
            await service.cancel(CALLER, account_id, response_id)
        assert caught.value.message == errors.RESPONSE_NOT_FOUND
    assert tables.responses[accepted.response_id].status is ResponseStatus.QUEUED
    assert signals.canceled == []


async def test_cancel_for_an_account_the_key_lacks_is_refused(
    service: TurnService, tables: Tables
) -> None:
    accepted = await service.create_thread(CALLER, 1, HI)
    with pytest.raises(errors.PermissionDenied):
        await service.cancel(principal(2), 1, accepted.response_id)
    assert tables.responses[accepted.response_id].status is ResponseStatus.QUEUED
