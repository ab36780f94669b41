"""The event stream of a response, against a real server on each database."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from tests.conftest import fast_settings
from tests.live.support import Live, read_events, rebuild, serving


@pytest.fixture
async def live(database_url: str) -> AsyncIterator[Live]:
    async with serving(fast_settings(database_url, chunk_delay=0.005)) as server:
        yield server


async def test_whole_stream_rebuilds_the_final_answer(live: Live) -> None:
    accepted = await live.ask("How is AAPL doing?")
    events = await read_events(live.client, accepted["response_id"])
    kinds = [e.event for e in events]
    assert kinds[0] == "snapshot" and kinds[-1] == "done"
    assert "delta" in kinds
    statuses = [e.data["status"] for e in events if e.event == "status"]
    assert statuses[-1] == "succeeded"
    final = events[-1].data
    assert final["status"] == "succeeded"
    assert rebuild(events[:-1]) == final["content"]["parts"]
    ids = [e.id for e in events]
    assert all(ids) and len(set(ids[:-1])) == len(ids) - 1


async def test_resume_in_the_middle_has_no_gap_and_no_duplicate(live: Live) -> None:
    accepted = await live.ask("Compare MSFT and NVDA for me")
    first = await read_events(live.client, accepted["response_id"], stop_after=4)
    assert first[0].event == "snapshot"
    rest = await read_events(live.client, accepted["response_id"], last_event_id=first[-1].id)
    assert "snapshot" not in [e.event for e in rest]
    assert rest[-1].event == "done"
    assert rebuild(first + rest[:-1]) == rest[-1].data["content"]["parts"]
    assert first[-1].id not in [e.id for e in rest]


async def test_a_bad_last_event_id_gets_a_fresh_snapshot(live: Live) -> None:
    accepted = await live.ask("Hello")
    events = await read_events(live.client, accepted["response_id"], last_event_id="nonsense")
    assert events[0].event == "snapshot" and events[-1].event == "done"


async def test_a_finished_response_gets_snapshot_and_done_at_once(live: Live) -> None:
    accepted = await live.ask("Hello")
    await read_events(live.client, accepted["response_id"])
    events = await read_events(live.client, accepted["response_id"])
    assert [e.event for e in events] == ["snapshot", "done"]
    assert events[0].data == events[1].data
    r = await live.client.get(
        f"/v1/omni-ai/responses/{accepted['response_id']}", params={"account_id": 1}
    )
    assert events[0].data == r.json()["data"]


async def test_cancel_ends_the_stream_with_done_within_100_ms(live: Live) -> None:
    accepted = await live.ask("!omni:hang")
    response_id = accepted["response_id"]
    ended: list[float] = []

    async def watch() -> list:  # type: ignore[type-arg]
        events = await read_events(live.client, response_id)
        ended.append(time.monotonic())
        return events

    task = asyncio.create_task(watch())
    await asyncio.sleep(0.3)
    r = await live.client.delete(f"/v1/omni-ai/responses/{response_id}", params={"account_id": 1})
    answered = time.monotonic()
    assert r.json()["data"] == {"canceled": True}
    events = await task
    assert events[-1].event == "done" and events[-1].data["status"] == "canceled"
    assert [e.data for e in events if e.event == "status"][-1] == {"status": "canceled"}
    # Measured from the DELETE's answer to the stream's end, on a loaded machine too.
    assert ended[0] - answered < 0.1


async def test_another_accounts_response_is_not_found(live: Live) -> None:
    accepted = await live.ask("Hello", account_id=1)
    other = await live.new_key(3)
    r = await live.client.get(
        f"/v1/omni-ai/responses/{accepted['response_id']}/events",
        params={"account_id": 3},
        headers={"Authorization": f"Bearer {other}"},
    )
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"]["message"] == "Response not found"
    r = await live.client.get(
        f"/v1/omni-ai/responses/{accepted['response_id']}/events", params={"account_id": 3}
    )
    assert r.status_code == 403
    r = await live.client.get("/v1/omni-ai/responses/not-a-uuid/events", params={"account_id": 1})
    assert r.status_code == 400
    r = await live.client.get(
        f"/v1/omni-ai/responses/{accepted['response_id']}/events",
        params={"account_id": 1},
        headers={"Authorization": "Bearer nope"},
    )
    assert r.status_code == 401


async def test_many_concurrent_streams_all_see_the_same_answer(live: Live) -> None:
    accepted = [await live.ask(f"How is {t} doing?") for t in ("AAPL", "MSFT", "TSLA")]
    streams = [read_events(live.client, a["response_id"]) for a in accepted for _ in range(10)]
    results = await asyncio.gather(*streams)
    for events in results:
        assert events[-1].event == "done"
        assert rebuild(events[:-1]) == events[-1].data["content"]["parts"]
    assert live.app.state.events.watch_count == 0
