"""The runner on every backend, driven deterministically with ``run_until_idle``."""

from __future__ import annotations

import pytest

from omni_server.domain.ids import utcnow
from omni_server.domain.lifecycle import ResponseStatus
from omni_server.domain.models import Mode, TurnRequest
from omni_server.domain.paging import PageRequest
from omni_server.engines.builtin import BuiltinEngine
from omni_server.store.db import Database
from omni_server.store.queries import QueryStore
from omni_server.store.turns import TurnStore
from omni_server.worker.runner import Runner


def runner_for(db: Database, max_running: int) -> Runner:
    engine = BuiltinEngine(chunk_delay=0)
    return Runner(TurnStore(db), QueryStore(db), engine, max_running=max_running)


@pytest.mark.parametrize(
    ("text", "status", "code"),
    [
        ("What is AAPL?", ResponseStatus.SUCCEEDED, None),
        ("!omni:fail=engine_error", ResponseStatus.FAILED, "engine_error"),
        ("!omni:crash", ResponseStatus.FAILED, "internal"),
    ],
)
async def test_turns_run_to_one_final_message(
    db: Database, text: str, status: ResponseStatus, code: str | None
) -> None:
    turns, queries = TurnStore(db), QueryStore(db)
    accepted = [
        await turns.create_thread(
            account_id=1, request=TurnRequest(mode=Mode.INSTANT, text=text), now=utcnow()
        )
        for _ in range(5)
    ]
    await runner_for(db, max_running=2).run_until_idle()
    for turn in accepted:
        response = await queries.response(turn.response_id)
        assert response is not None and response.status is status
        assert (response.error.code if response.error else None) == code
        page = await queries.messages_page(turn.thread_id, PageRequest(size=10))
        assert [m.seq for m in page.items] == [1, 2]
        assert page.items[1].id == response.output_message_id
        assert all(p["type"] != "thinking" for p in page.items[1].parts)


async def test_stop_fails_running_turns_as_worker_lost(db: Database) -> None:
    turns, queries = TurnStore(db), QueryStore(db)
    accepted = await turns.create_thread(
        account_id=1, request=TurnRequest(mode=Mode.INSTANT, text="!omni:hang"), now=utcnow()
    )
    runner = runner_for(db, max_running=1)
    assert await runner.tick() == 1
    await runner.stop()
    response = await queries.response(accepted.response_id)
    assert response is not None and response.status is ResponseStatus.FAILED
    assert response.error is not None and response.error.code == "worker_lost"
