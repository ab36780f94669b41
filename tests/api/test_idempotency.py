"""``Idempotency-Key`` on create thread and create message, over HTTP."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from omni_server.store.tables import messages, responses, threads
from tests.support import Harness, wait_terminal

API = "/v1/omni-ai"
REUSED = "Idempotency-Key was already used with a different request"
BAD_KEY = "Idempotency-Key must be 1 to 255 characters"
FORBIDDEN = "The caller does not have permission to execute the specified operation"
TEXT_REQUIRED = "text is required for instant mode"
ASK = {"type": "instant", "account_id": 1, "text": "What is AAPL?"}


def key_header(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


async def rows(h: Harness, table: Any) -> int:
    async with h.app.state.db.reader.connect() as conn:
        count: int = (await conn.execute(select(func.count()).select_from(table))).scalar_one()
        return count


async def create_thread(
    h: Harness, key: str, body: Any = None, *, bearer: str | None = None
) -> httpx.Response:
    headers = key_header(key)
    if bearer is not None:
        headers["Authorization"] = f"Bearer {bearer}"
    return await h.client.post(
        f"{API}/threads", json=ASK if body is None else body, headers=headers
    )


async def create_message(
    h: Harness, thread_id: str, key: str, text: str = "And MSFT?"
) -> httpx.Response:
    return await h.client.post(
        f"{API}/threads/{thread_id}/messages",
        json={"account_id": 1, "text": text},
        headers=key_header(key),
    )


def assert_error(r: httpx.Response, status: int, message: str) -> None:
    assert r.status_code == status, r.text
    assert r.json()["error"] == {"code": status, "message": message}
    assert r.headers["x-should-retry"] == "false"
    assert "idempotent-replayed" not in r.headers


async def test_replay_returns_the_same_ids_and_starts_nothing(harness: Harness) -> None:
    first = await create_thread(harness, "k-1")
    assert first.status_code == 200, first.text
    assert "idempotent-replayed" not in first.headers
    await wait_terminal(harness.client, first.json()["data"]["response_id"])

    again = await create_thread(harness, "k-1")
    assert again.status_code == 200, again.text
    assert again.json()["data"] == first.json()["data"]
    assert again.headers["idempotent-replayed"] == "true"
    request_id = again.json()["metadata"]["request_id"]
    assert request_id != first.json()["metadata"]["request_id"]
    assert again.headers["x-request-id"] == request_id
    assert (await rows(harness, threads), await rows(harness, responses)) == (1, 1)
    assert await rows(harness, messages) == 2


async def test_whitespace_and_key_order_do_not_make_a_different_request(
    harness: Harness,
) -> None:
    first = await create_thread(harness, "k-2")
    reordered = json.dumps(dict(reversed(list(ASK.items()))), indent=4).encode()
    again = await harness.client.post(
        f"{API}/threads",
        content=reordered,
        headers={**key_header("k-2"), "content-type": "application/json"},
    )
    assert again.status_code == 200, again.text
    assert again.json()["data"] == first.json()["data"]
    assert await rows(harness, threads) == 1


@pytest.mark.parametrize(
    "body",
    [
        {**ASK, "text": "What is MSFT?"},
        {**ASK, "capabilities": ["OPEN_CHART"]},
        {**ASK, "account_id": 2},
    ],
)
async def test_a_different_body_is_refused(harness: Harness, body: dict[str, Any]) -> None:
    first = await create_thread(harness, "k-3")
    assert first.status_code == 200
    assert_error(await create_thread(harness, "k-3", body), 422, REUSED)
    assert await rows(harness, threads) == 1


async def test_a_different_endpoint_is_a_different_request(harness: Harness) -> None:
    first = (await create_thread(harness, "k-4")).json()["data"]
    await wait_terminal(harness.client, first["response_id"])
    assert_error(await create_message(harness, first["thread_id"], "k-4"), 422, REUSED)
    assert await rows(harness, responses) == 1


async def test_keys_are_not_shared_between_api_keys(harness: Harness) -> None:
    first = (await create_thread(harness, "shared")).json()["data"]
    other = await harness.new_key(1)
    r = await create_thread(harness, "shared", bearer=other)
    assert r.status_code == 200, r.text
    assert "idempotent-replayed" not in r.headers
    assert r.json()["data"]["thread_id"] != first["thread_id"]
    assert await rows(harness, threads) == 2


async def test_without_a_key_every_request_starts_a_turn(harness: Harness) -> None:
    for _ in range(2):
        r = await harness.client.post(f"{API}/threads", json=ASK)
        assert r.status_code == 200
    assert await rows(harness, threads) == 2


async def test_create_message_replays_after_the_turn_has_ended(harness: Harness) -> None:
    created = (await create_thread(harness, "thread-key")).json()["data"]
    await wait_terminal(harness.client, created["response_id"])
    first = await create_message(harness, created["thread_id"], "message-key")
    assert first.status_code == 200, first.text
    data = first.json()["data"]
    assert data["thread_id"] == created["thread_id"]
    await wait_terminal(harness.client, data["response_id"])

    again = await create_message(harness, created["thread_id"], "message-key")
    assert again.status_code == 200, again.text
    assert again.json()["data"] == data
    assert again.headers["idempotent-replayed"] == "true"
    assert_error(
        await create_message(harness, created["thread_id"], "message-key", "other"), 422, REUSED
    )
    history = await harness.client.get(
        f"{API}/threads/{created['thread_id']}/messages", params={"account_id": 1}
    )
    assert [m["seq"] for m in history.json()["data"]] == [1, 2, 3, 4]
    assert await rows(harness, responses) == 2


async def test_errors_are_not_remembered(harness: Harness) -> None:
    """A refused request leaves the key free: a retry is evaluated afresh."""
    assert_error(await create_thread(harness, "k-5", {**ASK, "account_id": 99}), 403, FORBIDDEN)
    assert_error(await create_thread(harness, "k-5", {**ASK, "text": " "}), 400, TEXT_REQUIRED)
    r = await create_thread(harness, "k-5")
    assert r.status_code == 200 and "idempotent-replayed" not in r.headers


async def test_a_conflict_can_be_retried_with_the_same_key(harness: Harness) -> None:
    busy = await harness.client.post(
        f"{API}/threads", json={**ASK, "text": "!omni:hang"}, headers=key_header("t")
    )
    created = busy.json()["data"]
    refused = await create_message(harness, created["thread_id"], "m")
    assert refused.status_code == 409
    await harness.client.delete(
        f"{API}/responses/{created['response_id']}", params={"account_id": 1}
    )
    accepted = await create_message(harness, created["thread_id"], "m")
    assert accepted.status_code == 200, accepted.text
    assert "idempotent-replayed" not in accepted.headers
    await wait_terminal(harness.client, accepted.json()["data"]["response_id"])


@pytest.mark.parametrize("key", ["", "k" * 256])
async def test_key_must_have_1_to_255_characters(harness: Harness, key: str) -> None:
    assert_error(await create_thread(harness, key), 400, BAD_KEY)
    assert await rows(harness, threads) == 0


async def test_a_key_of_255_characters_is_accepted(harness: Harness) -> None:
    key = "k" * 255
    first = await create_thread(harness, key)
    again = await create_thread(harness, key)
    assert first.status_code == again.status_code == 200
    assert again.json()["data"] == first.json()["data"]


async def test_race_on_create_thread_starts_one_turn(harness: Harness) -> None:
    answers = await asyncio.gather(*(create_thread(harness, "race") for _ in range(25)))
    assert {r.status_code for r in answers} == {200}
    assert len({json.dumps(r.json()["data"], sort_keys=True) for r in answers}) == 1
    assert sum("idempotent-replayed" not in r.headers for r in answers) == 1
    assert (await rows(harness, threads), await rows(harness, responses)) == (1, 1)
    await wait_terminal(harness.client, answers[0].json()["data"]["response_id"])
    assert await rows(harness, messages) == 2


async def test_race_on_create_message_starts_one_turn(harness: Harness) -> None:
    created = (await create_thread(harness, "first")).json()["data"]
    await wait_terminal(harness.client, created["response_id"])
    answers = await asyncio.gather(
        *(create_message(harness, created["thread_id"], "race") for _ in range(25))
    )
    assert {r.status_code for r in answers} == {200}, [r.text for r in answers][:3]
    assert len({json.dumps(r.json()["data"], sort_keys=True) for r in answers}) == 1
    assert await rows(harness, responses) == 2
    await wait_terminal(harness.client, answers[0].json()["data"]["response_id"])
    assert await rows(harness, messages) == 4


async def test_the_header_is_documented_on_both_creates(harness: Harness) -> None:
    doc = (await harness.client.get("/openapi.json")).json()
    for path in (f"{API}/threads", f"{API}/threads/{{thread_id}}/messages"):
        operation = doc["paths"][path]["post"]
        (header,) = [p for p in operation["parameters"] if p["in"] == "header"]
        assert header["name"] == "Idempotency-Key" and header["required"] is False
        assert header["schema"]["maxLength"] == 255
        assert "Idempotent-Replayed" in operation["responses"]["200"]["headers"]
    listed = doc["paths"][f"{API}/threads"]["get"].get("parameters", [])
    assert all(p["in"] != "header" for p in listed)
