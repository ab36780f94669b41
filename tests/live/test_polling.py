"""Cheap polling: ETag, If-None-Match, and long polls with Prefer: wait=N."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from omni_server.api.polling import wait_preference
from tests.conftest import fast_settings
from tests.live.support import Live, read_events, serving


@pytest.fixture
async def live(database_url: str) -> AsyncIterator[Live]:
    async with serving(fast_settings(database_url)) as server:
        yield server


def url(response_id: str) -> str:
    return f"/v1/omni-ai/responses/{response_id}"


async def test_etag_and_304_without_body(live: Live) -> None:
    accepted = await live.ask("Hello")
    await read_events(live.client, accepted["response_id"])
    r = await live.client.get(url(accepted["response_id"]), params={"account_id": 1})
    tag = r.headers["etag"]
    assert tag.startswith('"') and r.json()["data"]["status"] == "succeeded"
    again = await live.client.get(
        url(accepted["response_id"]), params={"account_id": 1}, headers={"If-None-Match": tag}
    )
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == tag
    weak = await live.client.get(
        url(accepted["response_id"]),
        params={"account_id": 1},
        headers={"If-None-Match": f'"other", W/{tag}'},
    )
    assert weak.status_code == 304
    other = await live.client.get(
        url(accepted["response_id"]), params={"account_id": 1}, headers={"If-None-Match": '"x"'}
    )
    assert other.status_code == 200 and other.headers["etag"] == tag


async def test_terminal_unchanged_answers_304_at_once_even_when_asked_to_wait(live: Live) -> None:
    accepted = await live.ask("Hello")
    await read_events(live.client, accepted["response_id"])
    r = await live.client.get(url(accepted["response_id"]), params={"account_id": 1})
    started = time.monotonic()
    again = await live.client.get(
        url(accepted["response_id"]),
        params={"account_id": 1},
        headers={"If-None-Match": r.headers["etag"], "Prefer": "wait=10"},
    )
    assert again.status_code == 304
    assert time.monotonic() - started < 5


@pytest.fixture
async def idle(database_url: str) -> AsyncIterator[Live]:
    """A server that runs no turns: a response stays queued until it is canceled."""
    async with serving(fast_settings(database_url, runner=False)) as server:
        yield server


async def test_long_poll_holds_until_change(idle: Live) -> None:
    rid = (await idle.ask("Hello"))["response_id"]
    r = await idle.client.get(url(rid), params={"account_id": 1})
    tag = r.headers["etag"]
    poll = asyncio.create_task(
        idle.client.get(
            url(rid), params={"account_id": 1}, headers={"If-None-Match": tag, "Prefer": "wait=20"}
        )
    )
    await asyncio.sleep(0.5)
    assert not poll.done()
    await idle.client.delete(url(rid), params={"account_id": 1})
    answer = await asyncio.wait_for(poll, 5)
    assert answer.status_code == 200
    assert answer.json()["data"]["status"] == "canceled"
    assert answer.headers["preference-applied"] == "wait=20"
    assert answer.headers["etag"] != tag


async def test_long_poll_times_out_with_304(idle: Live) -> None:
    rid = (await idle.ask("Hello"))["response_id"]
    r = await idle.client.get(url(rid), params={"account_id": 1})
    started = time.monotonic()
    answer = await idle.client.get(
        url(rid),
        params={"account_id": 1},
        headers={"If-None-Match": r.headers["etag"], "Prefer": "wait=1"},
    )
    assert answer.status_code == 304 and answer.content == b""
    assert answer.headers["preference-applied"] == "wait=1"
    assert time.monotonic() - started >= 0.9


async def test_long_poll_sees_persisted_progress(live: Live) -> None:
    rid = (await live.ask("!omni:hang"))["response_id"]
    r = await live.client.get(url(rid), params={"account_id": 1})
    seen = r.headers["etag"]
    for _ in range(3):
        answer = await live.client.get(
            url(rid), params={"account_id": 1}, headers={"If-None-Match": seen, "Prefer": "wait=20"}
        )
        assert answer.status_code == 200 and answer.headers["etag"] != seen
        seen = answer.headers["etag"]
    assert answer.json()["data"]["status"] == "running"
    await live.client.delete(url(rid), params={"account_id": 1})


async def test_errors_are_unchanged_by_validators(live: Live) -> None:
    r = await live.client.get(
        url("0190a000-0000-7000-8000-000000000000"),
        params={"account_id": 1},
        headers={"If-None-Match": "*", "Prefer": "wait=5"},
    )
    assert r.status_code == 404


def test_wait_preference_parsing() -> None:
    assert wait_preference(None) is None
    assert wait_preference("respond-async, wait=5") == 5
    assert wait_preference("wait=100") == 30
    assert wait_preference('wait="3"') == 3
    assert wait_preference("wait=soon") is None
    assert wait_preference("return=minimal") is None
