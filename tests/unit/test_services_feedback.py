"""FeedbackService on fakes: only finalized assistant messages of the caller's account."""

from __future__ import annotations

import uuid

import pytest

from omni_server.domain import errors
from omni_server.domain.ids import new_id, utcnow
from omni_server.domain.lifecycle import ResponseStatus
from omni_server.domain.models import AcceptedTurn, Mode, TurnRequest
from omni_server.services.feedback import FeedbackInput, FeedbackService
from tests.unit.fakes import (
    FakeFeedbackStore,
    FakeQueryStore,
    FakeTurnStore,
    Tables,
    principal,
)

HI = TurnRequest(mode=Mode.INSTANT, text="hi")
CALLER = principal(1, 2)
GOOD = FeedbackInput(score=1, comment="useful", metadata={"k": "v"})


@pytest.fixture
def tables() -> Tables:
    return Tables()


@pytest.fixture
def turns(tables: Tables) -> FakeTurnStore:
    return FakeTurnStore(tables)


@pytest.fixture
def store(tables: Tables) -> FakeFeedbackStore:
    return FakeFeedbackStore(tables)


@pytest.fixture
def service(store: FakeFeedbackStore, tables: Tables) -> FeedbackService:
    return FeedbackService(store, FakeQueryStore(tables))


@pytest.fixture
async def turn(turns: FakeTurnStore) -> AcceptedTurn:
    """A queued turn in account 1 (its assistant message is not written yet)."""
    return await turns.create_thread(account_id=1, request=HI, now=utcnow())


async def finish(turns: FakeTurnStore, turn: AcceptedTurn) -> uuid.UUID:
    """Let the turn succeed; returns its assistant message's id."""
    turns.start(turn.response_id, [{"type": "text", "text": "hello"}])
    done = await turns.finalize(turn.response_id, ResponseStatus.SUCCEEDED, now=utcnow())
    assert done is not None
    return done.output_message_id


async def test_feedback_on_a_finished_answer_is_recorded_with_the_key(
    service: FeedbackService, store: FakeFeedbackStore, turns: FakeTurnStore, turn: AcceptedTurn
) -> None:
    message_id = await finish(turns, turn)

    record = await service.submit(CALLER, 1, message_id, GOOD)
    await service.submit(CALLER, 1, message_id, FeedbackInput(score=-1))

    assert store.records[0] == record
    assert (record.message_id, record.account_id, record.api_key_id) == (
        message_id,
        1,
        CALLER.key_id,
    )
    assert (record.score, record.comment, record.metadata) == (1, "useful", {"k": "v"})
    assert [r.score for r in store.records] == [1, -1]


async def test_feedback_on_a_user_message_is_a_400(
    service: FeedbackService, store: FakeFeedbackStore, turn: AcceptedTurn
) -> None:
    with pytest.raises(errors.InvalidRequest) as caught:
        await service.submit(CALLER, 1, turn.user_message_id, GOOD)
    assert caught.value.message == errors.FEEDBACK_NOT_FINAL
    assert store.records == []


async def test_feedback_on_the_answer_still_being_written_is_a_400(
    service: FeedbackService, tables: Tables, turn: AcceptedTurn
) -> None:
    pending = tables.responses[turn.response_id].output_message_id
    with pytest.raises(errors.InvalidRequest) as caught:
        await service.submit(CALLER, 1, pending, GOOD)
    assert caught.value.message == errors.FEEDBACK_NOT_FINAL


async def test_unknown_and_foreign_messages_are_not_found(
    service: FeedbackService, tables: Tables, turns: FakeTurnStore, turn: AcceptedTurn
) -> None:
    pending = tables.responses[turn.response_id].output_message_id
    for message_id in [new_id(), turn.user_message_id, pending]:
        with pytest.raises(errors.NotFound) as caught:
            await service.submit(CALLER, 2, message_id, GOOD)
        assert caught.value.message == errors.MESSAGE_NOT_FOUND


async def test_feedback_for_an_account_the_key_lacks_is_refused(
    service: FeedbackService, turns: FakeTurnStore, turn: AcceptedTurn
) -> None:
    message_id = await finish(turns, turn)
    with pytest.raises(errors.PermissionDenied):
        await service.submit(principal(2), 1, message_id, GOOD)


async def test_an_answer_finished_between_the_two_reads_is_accepted(
    tables: Tables, turns: FakeTurnStore, turn: AcceptedTurn
) -> None:
    class FinishesMeanwhile(FakeFeedbackStore):
        """The turn ends after the first read of the message and before this one."""

        async def pending_output_account(self, message_id: uuid.UUID) -> int | None:
            await finish(turns, turn)
            return await super().pending_output_account(message_id)

    service = FeedbackService(FinishesMeanwhile(tables), FakeQueryStore(tables))
    output_id = tables.responses[turn.response_id].output_message_id

    record = await service.submit(CALLER, 1, output_id, GOOD)

    assert record.message_id == output_id
