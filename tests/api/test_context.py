"""``context`` snapshots end to end: stored on the user message, served back by history and by
id (omitted when none was given), and refused with 422 naming the rule, changing nothing."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from omni_server.store.tables import messages, responses, threads
from tests.support import Harness, wait_terminal

API = "/v1/omni-ai"
PREFIX = "Failed to deserialize the JSON body into the target type: "
SNAPSHOT = {
    "items": [
        {
            "kind": "watchlist",
            "label": "My watchlist",
            "data": {
                "symbols": ["AAPL", "MSFT"],
                "price": "187.25",
                "nothing": None,
                "nested": {"deep": [1, 2.5, True, {"x": "é ✓"}]},
            },
            "captured_at": "2024-05-01T10:00:00.5+02:00",
        },
        {"kind": "chart", "label": "NVDA 1D", "data": {}},
    ]
}
# What comes back: the same snapshots, captured_at in the API's timestamp form (UTC, micros).
SERVED = {
    "items": [
        {**SNAPSHOT["items"][0], "captured_at": "2024-05-01T08:00:00.500000+00:00"},
        SNAPSHOT["items"][1],
    ]
}


def item(**overrides: Any) -> dict[str, Any]:
    return {"kind": "k", "label": "l", "data": {"a": 1}, **overrides}


def nested(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(levels - 1):
        value = {"n": value}
    return value


async def count(h: Harness, table: Any) -> int:
    async with h.app.state.db.reader.connect() as conn:
        found: int = (await conn.execute(select(func.count()).select_from(table))).scalar_one()
        return found


async def create_thread(h: Harness, **extra: Any) -> httpx.Response:
    body = {"type": "instant", "account_id": 1, "text": "What is AAPL?", **extra}
    return await h.client.post(f"{API}/threads", json=body)


async def history(h: Harness, thread_id: str) -> list[dict[str, Any]]:
    r = await h.client.get(f"{API}/threads/{thread_id}/messages", params={"account_id": 1})
    assert r.status_code == 200, r.text
    found: list[dict[str, Any]] = r.json()["data"]
    return found


async def by_id(h: Harness, message_id: str) -> dict[str, Any]:
    r = await h.client.get(f"{API}/messages/{message_id}", params={"account_id": 1})
    assert r.status_code == 200, r.text
    found: dict[str, Any] = r.json()["data"]
    return found


async def test_context_comes_back_on_the_user_message_only(harness: Harness) -> None:
    r = await create_thread(harness, context=SNAPSHOT)
    assert r.status_code == 200, r.text
    created = r.json()["data"]
    user = await by_id(harness, created["user_message_id"])
    assert user["role"] == "USER" and user["context"] == SERVED

    final = await wait_terminal(harness.client, created["response_id"])
    first, answer = await history(harness, created["thread_id"])
    assert first["id"] == created["user_message_id"] and first["context"] == SERVED
    assert "context" not in answer
    assert "context" not in await by_id(harness, final["output_message_id"])


@pytest.mark.parametrize("extra", [{}, {"context": None}])
async def test_context_is_omitted_when_none_was_given(
    harness: Harness, extra: dict[str, Any]
) -> None:
    created = (await create_thread(harness, **extra)).json()["data"]
    await wait_terminal(harness.client, created["response_id"])
    for message in await history(harness, created["thread_id"]):
        assert "context" not in message
    assert "context" not in await by_id(harness, created["user_message_id"])


async def test_each_message_keeps_its_own_context(harness: Harness) -> None:
    created = (await create_thread(harness)).json()["data"]
    await wait_terminal(harness.client, created["response_id"])
    second = {"items": [item(kind="position", label="AAPL position", data={"qty": "10"})]}
    r = await harness.client.post(
        f"{API}/threads/{created['thread_id']}/messages",
        json={"account_id": 1, "text": "Should I sell?", "context": second},
    )
    assert r.status_code == 200, r.text
    turn = r.json()["data"]
    await wait_terminal(harness.client, turn["response_id"])
    r = await harness.client.post(
        f"{API}/threads/{created['thread_id']}/messages", json={"account_id": 1, "text": "And?"}
    )
    await wait_terminal(harness.client, r.json()["data"]["response_id"])

    contexts = [(m["role"], m.get("context")) for m in await history(harness, created["thread_id"])]
    assert contexts == [
        ("USER", None),
        ("ASSISTANT", None),
        ("USER", second),
        ("ASSISTANT", None),
        ("USER", None),
        ("ASSISTANT", None),
    ]
    assert (await by_id(harness, turn["user_message_id"]))["context"] == second


async def test_deep_insights_threads_accept_context(harness: Harness) -> None:
    r = await harness.client.post(
        f"{API}/threads",
        json={
            "type": "deep_insights",
            "account_id": 1,
            "target": {"type": "ticker", "ticker": "NVDA"},
            "context": {"items": [item()]},
        },
    )
    assert r.status_code == 200, r.text
    created = r.json()["data"]
    assert (await by_id(harness, created["user_message_id"]))["context"] == {"items": [item()]}
    await wait_terminal(harness.client, created["response_id"])


def padded_to(size: int) -> dict[str, Any]:
    """A context whose compact JSON is exactly ``size`` bytes."""
    context = {"items": [item(data={"s": ""})]}
    base = len(json.dumps(context, separators=(",", ":")).encode())
    context["items"][0]["data"]["s"] = "x" * (size - base)
    return context


@pytest.mark.parametrize(
    "context",
    [
        {"items": [item(label=f"l{i}") for i in range(4)]},
        {"items": [item(data=nested(32))]},
        padded_to(64 * 1024),
    ],
    ids=["4 items", "32 levels", "64 KiB"],
)
async def test_limits_are_inclusive(harness: Harness, context: dict[str, Any]) -> None:
    r = await create_thread(harness, context=context)
    assert r.status_code == 200, r.text
    stored = await by_id(harness, r.json()["data"]["user_message_id"])
    assert stored["context"] == context
    await wait_terminal(harness.client, r.json()["data"]["response_id"])


BROKEN = [
    ({"items": []}, "context.items: must contain 1 to 4 items"),
    ({"items": [item() for _ in range(5)]}, "context.items: must contain 1 to 4 items"),
    ({"items": [item(), item(kind=" ")]}, "context.items[1].kind: must not be blank"),
    ({"items": [item(label="")]}, "context.items[0].label: must not be blank"),
    ({"items": [item(data=nested(33))]}, "context.items[0].data: nested deeper than 32 levels"),
    (padded_to(64 * 1024 + 1), "context: compact JSON must be at most 65536 bytes"),
]
BROKEN_IDS = ["no items", "5 items", "blank kind", "blank label", "33 levels", "64 KiB + 1"]


@pytest.mark.parametrize(("context", "rule"), BROKEN, ids=BROKEN_IDS)
async def test_create_thread_refuses_a_broken_rule_and_changes_nothing(
    harness: Harness, context: dict[str, Any], rule: str
) -> None:
    r = await create_thread(harness, context=context)
    assert r.status_code == 422, r.text
    assert r.json()["error"] == {"code": 422, "message": PREFIX + rule}
    assert r.headers["x-should-retry"] == "false"
    assert (await count(harness, threads), await count(harness, messages)) == (0, 0)


@pytest.mark.parametrize(("context", "rule"), BROKEN, ids=BROKEN_IDS)
async def test_create_message_refuses_a_broken_rule_and_changes_nothing(
    harness: Harness, context: dict[str, Any], rule: str
) -> None:
    created = (await create_thread(harness)).json()["data"]
    await wait_terminal(harness.client, created["response_id"])
    before = await harness.client.get(
        f"{API}/threads/{created['thread_id']}", params={"account_id": 1}
    )
    r = await harness.client.post(
        f"{API}/threads/{created['thread_id']}/messages",
        json={"account_id": 1, "text": "more", "context": context},
        headers={"Idempotency-Key": "ctx"},
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"] == {"code": 422, "message": PREFIX + rule}
    assert len(await history(harness, created["thread_id"])) == 2
    assert await count(harness, responses) == 1
    after = await harness.client.get(
        f"{API}/threads/{created['thread_id']}", params={"account_id": 1}
    )
    assert after.json()["data"] == before.json()["data"]
    # The refused request did not use up its Idempotency-Key.
    r = await harness.client.post(
        f"{API}/threads/{created['thread_id']}/messages",
        json={"account_id": 1, "text": "more"},
        headers={"Idempotency-Key": "ctx"},
    )
    assert r.status_code == 200, r.text
    await wait_terminal(harness.client, r.json()["data"]["response_id"])
