"""Cross-account writes on a live turn, on every database.

The key holds accounts 1 and 2. Account 1 has a turn *running*; every write path is tried
against it while naming account 2. Each must answer as if the target did not exist, and
change nothing: the turn keeps running, no message or feedback is added, account 1's
entitlements stay as they were. (Trying this only after a turn ended, as older tests did,
cannot tell whether the account condition of the conditional write is there.)
"""

from __future__ import annotations

import uuid
from typing import Any

from omni_server.agreements import DEFAULT_AGREEMENT_ID
from omni_server.store.feedback import FeedbackStore
from tests.api.test_errors import assert_error
from tests.support import Harness, wait_for, wait_terminal

API = "/v1/omni-ai"
CODE = "omni.account_data"


async def running_turn(h: Harness, text: str = "!omni:hang AAPL") -> dict[str, Any]:
    r = await h.client.post(
        f"{API}/threads", json={"type": "instant", "account_id": 1, "text": text}
    )
    assert r.status_code == 200, r.text
    created: dict[str, Any] = r.json()["data"]

    async def is_running() -> bool:
        polled = await h.client.get(
            f"{API}/responses/{created['response_id']}", params={"account_id": 1}
        )
        return bool(polled.json()["data"]["status"] == "running")

    await wait_for(is_running)
    return created


async def status_of(h: Harness, response_id: str) -> str:
    r = await h.client.get(f"{API}/responses/{response_id}", params={"account_id": 1})
    return str(r.json()["data"]["status"])


async def cancel(h: Harness, response_id: str, account_id: int) -> Any:
    return await h.client.delete(
        f"{API}/responses/{response_id}", params={"account_id": account_id}
    )


async def test_cancel_of_a_running_turn_from_another_account(any_harness: Harness) -> None:
    h = any_harness
    turn = await running_turn(h)
    r = await cancel(h, turn["response_id"], 2)
    assert_error(r, 404, "Response not found")
    assert await status_of(h, turn["response_id"]) == "running"
    r = await cancel(h, turn["response_id"], 1)
    assert r.json()["data"] == {"canceled": True}


async def test_new_message_on_a_running_turn_from_another_account(any_harness: Harness) -> None:
    h = any_harness
    turn = await running_turn(h)
    url = f"{API}/threads/{turn['thread_id']}/messages"
    r = await h.client.post(url, json={"account_id": 2, "text": "hijack"})
    assert_error(r, 404, "Thread not found")
    assert await status_of(h, turn["response_id"]) == "running"
    await cancel(h, turn["response_id"], 1)
    history = await h.client.get(url, params={"account_id": 1})
    assert [m["seq"] for m in history.json()["data"]] == [1, 2]
    # the refused request reserved nothing: the next turn follows on directly
    r = await h.client.post(url, json={"account_id": 1, "text": "next"})
    assert r.status_code == 200, r.text
    await wait_terminal(h.client, r.json()["data"]["response_id"])
    history = await h.client.get(url, params={"account_id": 1})
    assert [m["seq"] for m in history.json()["data"]] == [1, 2, 3, 4]


async def test_feedback_on_a_live_turn_from_another_account(any_harness: Harness) -> None:
    h = any_harness
    first = await h.client.post(
        f"{API}/threads", json={"type": "instant", "account_id": 1, "text": "AAPL"}
    )
    done = await wait_terminal(h.client, first.json()["data"]["response_id"])
    turn = await running_turn(h)
    for message_id in (done["output_message_id"], turn["user_message_id"]):
        r = await h.client.post(
            f"{API}/messages/{message_id}/feedback", json={"account_id": 2, "score": 1}
        )
        assert_error(r, 404, "Message not found")
    # the pending answer of the running turn: "not final" is only said to its own account
    polled = await h.client.get(f"{API}/responses/{turn['response_id']}", params={"account_id": 1})
    pending = polled.json()["data"]["output_message_id"]
    r = await h.client.post(
        f"{API}/messages/{pending}/feedback", json={"account_id": 2, "score": 1}
    )
    assert_error(r, 404, "Message not found")
    r = await h.client.post(
        f"{API}/messages/{pending}/feedback", json={"account_id": 1, "score": 1}
    )
    assert_error(r, 400, "feedback is only accepted for finalized assistant messages")
    assert await status_of(h, turn["response_id"]) == "running"
    store = FeedbackStore(h.app.state.db)
    stored = await store.for_message(uuid.UUID(done["output_message_id"]))
    assert stored == []


async def test_entitlements_of_another_account_during_a_live_turn(any_harness: Harness) -> None:
    h = any_harness
    signed = await h.client.post(
        f"{API}/entitlements",
        json={
            "agreement_id": DEFAULT_AGREEMENT_ID,
            "entitlement_codes": [CODE],
            "account_ids": [1],
        },
    )
    assert signed.status_code == 200, signed.text
    grant_id = signed.json()["data"][0]["entitlement_id"]
    turn = await running_turn(h, "!omni:hang what are my positions?")
    r = await h.client.post(
        f"{API}/entitlements/opt-out", json={"account_ids": [2], "entitlement_codes": [CODE]}
    )
    assert r.status_code == 200
    status = await h.client.get(f"{API}/entitlement-status", params={"account_id": 1})
    assert [s["enabled"] for s in status.json()["data"]] == [True]
    grants = await h.client.get(f"{API}/entitlements", params={"account_id": 1})
    assert [g["entitlement_id"] for g in grants.json()["data"]] == [grant_id]
    # a key for account 2 only cannot revoke account 1's grant
    other = await h.new_key(2)
    r = await h.client.delete(
        f"{API}/entitlements/{grant_id}", headers={"Authorization": f"Bearer {other}"}
    )
    assert_error(r, 404, "Grant not found")
    grants = await h.client.get(f"{API}/entitlements", params={"account_id": 1})
    assert [g["entitlement_id"] for g in grants.json()["data"]] == [grant_id]
    assert await status_of(h, turn["response_id"]) == "running"
