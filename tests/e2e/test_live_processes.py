"""Two ``omni serve`` processes on one PostgreSQL: a stream from A follows a turn B runs.

Server A runs no turns (``OMNI_RUNNER=false``), so every delta its stream shows
crossed processes through LISTEN/NOTIFY (or a re-read of the database after a hint).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from httpx_sse import connect_sse

from tests.e2e.conftest import ServerFactory, create_key
from tests.live.support import Event, rebuild
from tests.support import POSTGRES_URL, postgres_reachable

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def pg_url() -> Iterator[str]:
    import asyncio

    from tests.support import create_postgres_database, drop_postgres_database

    if not postgres_reachable():
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}")
    url = asyncio.run(create_postgres_database())
    yield url
    asyncio.run(drop_postgres_database(url))


def stream(base: str, key: str, response_id: str) -> Iterator[Event]:
    with (
        httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30) as c,
        connect_sse(
            c, "GET", f"/v1/omni-ai/responses/{response_id}/events", params={"account_id": 1}
        ) as source,
    ):
        assert source.response.status_code == 200
        for sse in source.iter_sse():
            if not sse.data:  # a keep-alive comment
                continue
            yield Event(sse.event, sse.id, json.loads(sse.data))


def ask(base: str, key: str, text: str) -> dict[str, Any]:
    r = httpx.post(
        f"{base}/v1/omni-ai/threads",
        json={"type": "instant", "account_id": 1, "text": text},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def test_stream_from_a_follows_a_turn_run_by_b(server_factory: ServerFactory, pg_url: str) -> None:
    a = server_factory(database=pg_url, runner="false", chunk_delay=0.02)
    b = server_factory(database=pg_url, chunk_delay=0.02)
    a.start()
    b.start()
    key = create_key(pg_url, 1)
    # Created through A, which runs nothing: B must claim it.
    accepted = ask(a.url, key, "Compare AAPL, MSFT and NVDA please")
    events = list(stream(a.url, key, accepted["response_id"]))
    kinds = [e.event for e in events]
    assert kinds[0] == "snapshot" and kinds[-1] == "done"
    assert kinds.count("delta") >= 3, kinds
    assert events[-1].data["status"] == "succeeded"
    assert rebuild(events[:-1]) == events[-1].data["content"]["parts"]


def test_cancel_through_b_ends_a_stream_on_a(server_factory: ServerFactory, pg_url: str) -> None:
    a = server_factory(database=pg_url, runner="false")
    b = server_factory(database=pg_url)
    a.start()
    b.start()
    key = create_key(pg_url, 1)
    accepted = ask(b.url, key, "!omni:hang")
    rid = accepted["response_id"]
    seen: list[Event] = []
    for event in stream(a.url, key, rid):
        seen.append(event)
        if event.event == "delta" and len([e for e in seen if e.event == "delta"]) == 2:
            r = httpx.delete(
                f"{b.url}/v1/omni-ai/responses/{rid}",
                params={"account_id": 1},
                headers={"Authorization": f"Bearer {key}"},
            )
            assert r.json()["data"] == {"canceled": True}
            canceled_at = time.monotonic()
    assert seen[-1].event == "done" and seen[-1].data["status"] == "canceled"
    # Generous: two processes and a database hop on a shared machine.
    assert time.monotonic() - canceled_at < 2.0
