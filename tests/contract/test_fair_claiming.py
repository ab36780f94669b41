"""Claiming shares a worker among accounts (issue 8, fairness), on every backend."""

from __future__ import annotations

import time
from datetime import timedelta

from omni_server.domain.ids import utcnow
from omni_server.domain.lifecycle import ResponseStatus
from omni_server.domain.models import AcceptedTurn, Mode, TurnRequest
from omni_server.settings import Settings
from omni_server.store.db import Database
from omni_server.store.turns import TurnStore
from tests.conftest import fast_settings
from tests.support import running_app, wait_for

LEASE = timedelta(seconds=30)


async def queue(turns: TurnStore, account_id: int, n: int, text: str = "hi") -> list[AcceptedTurn]:
    request = TurnRequest(mode=Mode.INSTANT, text=text)
    return [
        await turns.create_thread(account_id=account_id, request=request, now=utcnow())
        for _ in range(n)
    ]


async def test_accounts_take_turns_instead_of_oldest_backlog_winning(db: Database) -> None:
    turns = TurnStore(db)
    first = await queue(turns, 1, 6)
    second = await queue(turns, 2, 2)
    claims = await turns.claim(worker_id="w", limit=4, lease=LEASE, now=utcnow(), per_account=8)
    claimed = {c.response.id for c in claims}
    # Slots: the oldest of each account first, then the second of each.
    assert claimed == {first[0].response_id, first[1].response_id} | {t.response_id for t in second}


async def test_per_account_cap_counts_what_this_worker_already_runs(db: Database) -> None:
    turns = TurnStore(db)
    first = await queue(turns, 1, 5)
    one = await turns.claim(worker_id="w", limit=2, lease=LEASE, now=utcnow(), per_account=3)
    assert [c.response.id for c in one] == [t.response_id for t in first[:2]]
    more = await turns.claim(worker_id="w", limit=5, lease=LEASE, now=utcnow(), per_account=3)
    assert [c.response.id for c in more] == [first[2].response_id]
    # Another worker has its own allowance for the same account.
    other = await turns.claim(worker_id="v", limit=5, lease=LEASE, now=utcnow(), per_account=1)
    assert [c.response.id for c in other] == [first[3].response_id]
    # Without a cap only the limit counts.
    rest = await turns.claim(worker_id="w", limit=5, lease=LEASE, now=utcnow())
    assert [c.response.id for c in rest] == [first[4].response_id]


async def test_idle_account_leaves_queued_within_a_second_while_another_fills_capacity(
    database_url: str,
) -> None:
    """Key A (account 1) queues more hanging turns than ``max_running``; key B's turn (account
    2) still starts at once, because no account may take every slot."""
    settings: Settings = fast_settings(database_url, max_running=4)
    assert settings.per_account_cap == 3
    async with running_app(settings) as h:
        key_a, key_b = await h.new_key(1), await h.new_key(2)
        for _ in range(6):
            r = await h.client.post(
                "/v1/omni-ai/threads",
                json={"type": "instant", "account_id": 1, "text": "!omni:hang"},
                headers={"Authorization": f"Bearer {key_a}"},
            )
            assert r.status_code == 200, r.text

        async def a_running() -> bool:
            return bool(h.app.state.runner.running == 3)

        await wait_for(a_running, timeout=10)
        started = time.monotonic()
        r = await h.client.post(
            "/v1/omni-ai/threads",
            json={"type": "instant", "account_id": 2, "text": "!omni:hang"},
            headers={"Authorization": f"Bearer {key_b}"},
        )
        assert r.status_code == 200, r.text
        response_id = r.json()["data"]["response_id"]

        async def b_started() -> bool:
            got = await h.client.get(
                f"/v1/omni-ai/responses/{response_id}",
                params={"account_id": 2},
                headers={"Authorization": f"Bearer {key_b}"},
            )
            return bool(got.json()["data"]["status"] == ResponseStatus.RUNNING.value)

        await wait_for(b_started, timeout=5)
        assert time.monotonic() - started < 1.0
