"""Every endpoint of the core, over the ASGI app, with the contract's shapes."""

from __future__ import annotations

import re
import uuid
from typing import Any

from tests.support import Harness, wait_for, wait_terminal

API = "/v1/omni-ai"
UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")


async def start(
    h: Harness, text: str = "What is the price of AAPL?", **extra: Any
) -> dict[str, Any]:
    r = await h.client.post(
        f"{API}/threads", json={"type": "instant", "account_id": 1, "text": text, **extra}
    )
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def assert_envelope(body: dict[str, Any], headers: Any) -> None:
    assert set(body) >= {"data", "metadata"}
    rid = body["metadata"]["request_id"]
    assert uuid.UUID(rid).version == 4
    assert headers["x-request-id"] == rid


async def test_turn_to_completion_then_history(harness: Harness) -> None:
    created = await start(harness)
    assert all(UUID7.match(created[k]) for k in ("response_id", "thread_id", "user_message_id"))
    final = await wait_terminal(harness.client, created["response_id"])
    assert final["status"] == "succeeded"
    assert final["error"] is None
    assert final["user_message_id"] == created["user_message_id"]

    r = await harness.client.get(
        f"{API}/threads/{created['thread_id']}/messages", params={"account_id": 1}
    )
    assert_envelope(r.json(), r.headers)
    body = r.json()
    assert body["metadata"]["next_page_token"] is None
    assert body["metadata"]["previous_page_token"] is None
    user, assistant = body["data"]
    assert (user["seq"], user["role"], user["outcome"]) == (1, "USER", "completed")
    assert user["content"]["parts"] == [{"type": "text", "text": "What is the price of AAPL?"}]
    assert (assistant["seq"], assistant["role"], assistant["outcome"]) == (
        2,
        "ASSISTANT",
        "completed",
    )
    assert assistant["id"] == final["output_message_id"]
    assert all(p["type"] != "thinking" for p in assistant["content"]["parts"])
    assert any(p["type"] == "thinking" for p in final["content"]["parts"])
    assert TIMESTAMP.match(assistant["created_at"])

    r = await harness.client.get(f"{API}/messages/{assistant['id']}", params={"account_id": 1})
    assert r.json()["data"] == assistant


async def test_thread_metadata_and_listing(harness: Harness) -> None:
    created = await start(harness, "  What   is current price of AAPL?  ")
    r = await harness.client.get(f"{API}/threads/{created['thread_id']}", params={"account_id": 1})
    thread = r.json()["data"]
    assert thread["title"] == "What is current price of AAPL?"
    assert thread["id"] == created["thread_id"]
    assert TIMESTAMP.match(thread["created_at"]) and TIMESTAMP.match(thread["updated_at"])
    await wait_terminal(harness.client, created["response_id"])
    other = await start(harness, "second")
    r = await harness.client.get(f"{API}/threads", params={"account_id": 1})
    assert [t["id"] for t in r.json()["data"]] == [other["thread_id"], created["thread_id"]]
    r = await harness.client.get(f"{API}/threads", params={"account_id": 2})
    assert r.json()["data"] == []


async def test_title_is_trimmed_to_80_characters(harness: Harness) -> None:
    created = await start(harness, "x" * 200)
    r = await harness.client.get(f"{API}/threads/{created['thread_id']}", params={"account_id": 1})
    assert r.json()["data"]["title"] == "x" * 80


async def test_thread_pages_follow_tokens(harness: Harness) -> None:
    ids = []
    for i in range(5):
        created = await start(harness, f"q{i}")
        await wait_terminal(harness.client, created["response_id"])
        ids.append(created["thread_id"])
    seen = []
    params: dict[str, Any] = {"account_id": 1, "page_size": 2}
    while True:
        body = (await harness.client.get(f"{API}/threads", params=params)).json()
        seen += [t["id"] for t in body["data"]]
        token = body["metadata"]["next_page_token"]
        if token is None:
            break
        params = {"account_id": 1, "page_token": token}
    assert seen == list(reversed(ids))


async def test_active_response_of_thread(harness: Harness) -> None:
    created = await start(harness, "!omni:hang")
    r = await harness.client.get(
        f"{API}/threads/{created['thread_id']}/response", params={"account_id": 1}
    )
    assert r.json()["data"]["id"] == created["response_id"]
    assert r.json()["data"]["status"] in ("queued", "running")
    r = await harness.client.delete(
        f"{API}/responses/{created['response_id']}", params={"account_id": 1}
    )
    assert r.json()["data"] == {"canceled": True}
    r = await harness.client.get(
        f"{API}/threads/{created['thread_id']}/response", params={"account_id": 1}
    )
    assert r.status_code == 200 and r.json()["data"] is None


async def test_continue_thread_after_turn_ends(harness: Harness) -> None:
    created = await start(harness)
    await wait_terminal(harness.client, created["response_id"])
    r = await harness.client.post(
        f"{API}/threads/{created['thread_id']}/messages",
        json={"account_id": 1, "text": "Compare that to AMD."},
    )
    assert r.status_code == 200
    second = r.json()["data"]
    assert second["thread_id"] == created["thread_id"]
    await wait_terminal(harness.client, second["response_id"])
    r = await harness.client.get(
        f"{API}/threads/{created['thread_id']}/messages", params={"account_id": 1}
    )
    assert [m["seq"] for m in r.json()["data"]] == [1, 2, 3, 4]


async def test_cancel_keeps_partial_text_and_is_idempotent(harness: Harness) -> None:
    created = await start(harness, "!omni:hang")
    rid = created["response_id"]

    async def visible_text() -> str:
        r = await harness.client.get(f"{API}/responses/{rid}", params={"account_id": 1})
        parts = r.json()["data"]["content"]["parts"]
        return "".join(p["text"] for p in parts if p["type"] == "text")

    seen = await wait_for(visible_text)
    r = await harness.client.delete(f"{API}/responses/{rid}", params={"account_id": 1})
    assert r.status_code == 200 and r.json()["data"] == {"canceled": True}
    r = await harness.client.delete(f"{API}/responses/{rid}", params={"account_id": 1})
    assert r.json()["data"] == {"canceled": True}
    response = (
        await harness.client.get(f"{API}/responses/{rid}", params={"account_id": 1})
    ).json()["data"]
    assert response["status"] == "canceled"
    message = (
        await harness.client.get(
            f"{API}/messages/{response['output_message_id']}", params={"account_id": 1}
        )
    ).json()["data"]
    assert message["outcome"] == "canceled"
    kept = message["content"]["parts"][0]["text"]
    assert kept.startswith(seen), "text seen before the cancel must be kept"
    assert ("Still working. " * 100).startswith(kept)
    assert response["content"]["parts"][-1]["text"] == kept


async def test_cancel_after_success_reports_false(harness: Harness) -> None:
    created = await start(harness)
    await wait_terminal(harness.client, created["response_id"])
    r = await harness.client.delete(
        f"{API}/responses/{created['response_id']}", params={"account_id": 1}
    )
    assert r.json()["data"] == {"canceled": False}


async def test_failure_directive(harness: Harness) -> None:
    created = await start(harness, "!omni:fail=engine_error")
    final = await wait_terminal(harness.client, created["response_id"])
    assert final["status"] == "failed"
    assert final["error"]["code"] == "engine_error"
    message = (
        await harness.client.get(
            f"{API}/messages/{final['output_message_id']}", params={"account_id": 1}
        )
    ).json()["data"]
    assert message["outcome"] == "errored" and message["error"]["code"] == "engine_error"


async def test_crash_directive_fails_internal_and_server_keeps_serving(harness: Harness) -> None:
    created = await start(harness, "!omni:crash")
    final = await wait_terminal(harness.client, created["response_id"])
    assert final["status"] == "failed" and final["error"]["code"] == "internal"
    assert "Traceback" not in final["error"]["message"]
    again = await start(harness)
    assert (await wait_terminal(harness.client, again["response_id"]))["status"] == "succeeded"


async def test_deep_insights_thread(harness: Harness) -> None:
    r = await harness.client.post(
        f"{API}/threads",
        json={
            "type": "deep_insights",
            "account_id": 1,
            "target": {"type": "ticker", "ticker": "NVDA"},
        },
    )
    created = r.json()["data"]
    final = await wait_terminal(harness.client, created["response_id"])
    assert final["status"] == "succeeded"
    thread = (
        await harness.client.get(f"{API}/threads/{created['thread_id']}", params={"account_id": 1})
    ).json()
    assert thread["data"]["title"] == "Deep insights: NVDA"


async def test_health_and_readiness(harness: Harness) -> None:
    assert (await harness.client.get("/healthz")).json() == {"status": "ok"}
    r = await harness.client.get("/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    assert r.json()["engine"] == "builtin"
