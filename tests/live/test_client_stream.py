"""``responses.stream`` and ``responses.wait`` of our client, sync and async, against a real
server with its event stream, without it (long polls), and without ETags either (plain polls).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from clear_street import AsyncClearStreet, ClearStreet
from clear_street.types import DeltaEvent, DoneEvent, PartEvent, SnapshotEvent, StatusEvent
from tests.conftest import fast_settings
from tests.live.support import Live, serving
from tests.support import sqlite_url


@pytest.fixture(params=["events", "long-poll", "plain"])
async def live(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Live]:
    settings = fast_settings(sqlite_url(tmp_path), chunk_delay=0.01)
    async with serving(settings, flavour=request.param) as server:
        server.flavour = request.param  # type: ignore[attr-defined]
        yield server


def dump(part: Any) -> dict[str, Any]:
    value: dict[str, Any] = part.model_dump(mode="json", by_alias=True)
    return value


def rebuild(events: list[Any]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for e in events:
        if isinstance(e, SnapshotEvent):
            parts = [dump(p) for p in (e.response.content.parts if e.response.content else [])]
        elif isinstance(e, PartEvent):
            parts[e.part_index :] = [dump(e.part)]
        elif isinstance(e, DeltaEvent) and e.part_index >= len(parts):
            parts.append(
                {"type": "text", "text": e.text}
                if e.type == "text"
                else {"type": "thinking", "thoughts": [e.text]}
            )
        elif isinstance(e, DeltaEvent) and e.type == "text":
            parts[e.part_index]["text"] += e.text
        elif isinstance(e, DeltaEvent):
            parts[e.part_index]["thoughts"].append(e.text)
    return parts


def check(events: list[Any]) -> None:
    assert isinstance(events[0], SnapshotEvent)
    assert isinstance(events[-1], DoneEvent)
    assert events[-1].response.status == "succeeded"
    final = [dump(p) for p in events[-1].response.content.parts]
    assert rebuild(events[:-1]) == final
    assert [e.status for e in events if isinstance(e, StatusEvent)][-1] == "succeeded"


async def test_sync_stream(live: Live) -> None:
    accepted = await live.ask("How are AAPL and MSFT doing?")

    def watch() -> list[Any]:
        with ClearStreet(api_key=live.key, base_url=live.url) as client:
            return list(client.v1.omni_ai.responses.stream(accepted["response_id"], account_id=1))

    check(await asyncio.to_thread(watch))


async def test_async_stream(live: Live) -> None:
    accepted = await live.ask("How are AAPL and MSFT doing?")
    async with AsyncClearStreet(api_key=live.key, base_url=live.url) as client:
        stream = client.v1.omni_ai.responses.stream(accepted["response_id"], account_id=1)
        events = [e async for e in stream]
    check(events)
    if getattr(live, "flavour", "") == "events":
        assert all(e.id for e in events)


async def test_wait_sync_and_async(live: Live) -> None:
    accepted = await live.ask("!omni:sleep=1 hello")

    def wait() -> str:
        with ClearStreet(api_key=live.key, base_url=live.url) as client:
            answer = client.v1.omni_ai.responses.wait(accepted["response_id"], account_id=1)
            return answer.data.status

    assert await asyncio.to_thread(wait) == "succeeded"
    async with AsyncClearStreet(api_key=live.key, base_url=live.url) as client:
        answer = await client.v1.omni_ai.responses.wait(accepted["response_id"], account_id=1)
    assert answer.data.status == "succeeded"


async def test_stream_of_a_missing_response_raises_not_found(live: Live) -> None:
    from clear_street import NotFoundError

    async with AsyncClearStreet(api_key=live.key, base_url=live.url) as client:
        with pytest.raises(NotFoundError):
            stream = client.v1.omni_ai.responses.stream(
                "0190a000-0000-7000-8000-000000000000", account_id=1
            )
            [e async for e in stream]


async def test_stream_skips_keepalives_and_ends_on_cancel(tmp_path: Path) -> None:
    settings = fast_settings(sqlite_url(tmp_path), runner=False, events_keepalive=0.05)
    async with serving(settings) as server:
        rid = (await server.ask("Hello"))["response_id"]
        async with AsyncClearStreet(api_key=server.key, base_url=server.url) as client:
            events = []
            async for event in client.v1.omni_ai.responses.stream(rid, account_id=1):
                events.append(event)
                if len(events) == 1:
                    await asyncio.sleep(0.3)  # several keep-alives go by
                    await client.v1.omni_ai.responses.cancel_response(rid, account_id=1)
        assert isinstance(events[0], SnapshotEvent)
        assert isinstance(events[-1], DoneEvent) and events[-1].response.status == "canceled"
