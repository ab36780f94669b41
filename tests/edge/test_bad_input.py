"""Bad input never answers 500: forged page tokens, NUL characters, repeated query fields.

Each refusal changes nothing, and reads the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from omni_server.services.reads import INVALID_TOKEN
from tests.api.test_errors import assert_error, start, thread_count
from tests.support import Harness, wait_terminal

API = "/v1/omni-ai"
QUERY = "Failed to deserialize query string: "


def token(payload: Any) -> str:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


FORGED_THREAD_TOKENS = [
    ["n", ["2026-01-01T00:00:00+00:00", "0190c2a4-7f6e-7b7a-9a7e-0123456789ab"], 2**70],
    ["n", [2**70, "0190c2a4-7f6e-7b7a-9a7e-0123456789ab"], 10],
    ["n", ["0001-01-01T00:00:00+23:59", "0190c2a4-7f6e-7b7a-9a7e-0123456789ab"], 10],
    ["p", ["9999-12-31T23:59:59-23:59", "0190c2a4-7f6e-7b7a-9a7e-0123456789ab"], 10],
    ["n", ["2026-01-01T00:00:00", "0190c2a4-7f6e-7b7a-9a7e-0123456789ab"], 10],
    ["n", ["2026-01-01T00:00:00+00:00", "not-a-uuid"], 10],
    ["n", ["2026-01-01T00:00:00+00:00"], 10],
    ["n", [True, False], 10],
    ["n", [{"a": 1}, []], 10],
    ["n", ["x" * 1000, "y"], 10],
    ["n", [1, 2], 1.5],
    ["x", [1], 10],
    ["n", [1], 10, "extra"],
    {"n": 1},
]
FORGED_MESSAGE_TOKENS = [
    ["n", [2**70], 10],
    ["n", [2**63], 10],
    ["p", [-(2**70)], 10],
    ["n", ["12"], 10],
    ["n", [1.5], 10],
    ["n", [1, 2], 10],
    ["n", [None], 10],
]


@pytest.mark.parametrize("payload", FORGED_THREAD_TOKENS)
async def test_forged_thread_page_tokens(any_harness: Harness, payload: Any) -> None:
    r = await any_harness.client.get(
        f"{API}/threads", params={"account_id": 1, "page_token": token(payload)}
    )
    assert_error(r, 400, INVALID_TOKEN)


async def test_forged_message_page_tokens(any_harness: Harness) -> None:
    created = await start(any_harness)
    await wait_terminal(any_harness.client, created["response_id"])
    url = f"{API}/threads/{created['thread_id']}/messages"
    for payload in [*FORGED_MESSAGE_TOKENS, *FORGED_THREAD_TOKENS]:
        r = await any_harness.client.get(
            url, params={"account_id": 1, "page_token": token(payload)}
        )
        assert_error(r, 400, INVALID_TOKEN)
    for raw in (b"\x00\xff", b"[", b"null", "💥".encode()):
        r = await any_harness.client.get(url, params={"account_id": 1, "page_token": token(raw)})
        assert_error(r, 400, INVALID_TOKEN)


async def test_issued_tokens_still_work(any_harness: Harness) -> None:
    for n in range(3):
        created = await start(any_harness, f"question {n}")
        await wait_terminal(any_harness.client, created["response_id"])
    first = await any_harness.client.get(f"{API}/threads", params={"account_id": 1, "page_size": 2})
    following = first.json()["metadata"]["next_page_token"]
    r = await any_harness.client.get(
        f"{API}/threads", params={"account_id": 1, "page_token": following}
    )
    assert r.status_code == 200
    assert len(r.json()["data"]) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"type": "instant", "account_id": 1, "text": "hello\u0000world"},
        {"type": "deep_insights", "account_id": 1, "target": {"type": "ticker", "ticker": "A\0"}},
        {
            "type": "deep_insights",
            "account_id": 1,
            "target": {"type": "ticker", "ticker": "NVDA"},
            "thesis": "\u0000",
        },
        {
            "type": "instant",
            "account_id": 1,
            "text": "hi",
            "context": {"items": [{"kind": "k", "label": "l", "data": {"a": ["\u0000"]}}]},
        },
    ],
)
async def test_nul_characters_are_refused_alike_on_every_database(
    any_harness: Harness, body: dict[str, Any]
) -> None:
    r = await any_harness.client.post(f"{API}/threads", json=body)
    assert r.status_code == 422, r.text
    assert "must not contain NUL characters" in r.json()["error"]["message"]
    assert await thread_count(any_harness) == 0


async def test_nul_in_feedback_and_messages(any_harness: Harness) -> None:
    created = await start(any_harness)
    done = await wait_terminal(any_harness.client, created["response_id"])
    r = await any_harness.client.post(
        f"{API}/threads/{created['thread_id']}/messages", json={"account_id": 1, "text": "a\0"}
    )
    assert_error(
        r,
        422,
        "Failed to deserialize the JSON body into the target type: "
        "text: must not contain NUL characters",
    )
    message_id = done["output_message_id"]
    r = await any_harness.client.post(
        f"{API}/messages/{message_id}/feedback",
        json={"account_id": 1, "score": 1, "metadata": {"k\u0000": "v"}},
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["message"].endswith("metadata.k\0: must not contain NUL characters")


@pytest.mark.parametrize(
    "query", ["account_id=1%00", "account_id=1&page_token=%00", "account_id=1&x=%00"]
)
async def test_nul_in_the_query_string(harness: Harness, query: str) -> None:
    r = await harness.client.get(f"{API}/threads?{query}")
    assert_error(r, 400, QUERY + "NUL characters are not allowed")


async def test_nul_in_a_header_value(harness: Harness) -> None:
    r = await harness.client.post(
        f"{API}/threads",
        json={"type": "instant", "account_id": 1, "text": "hi"},
        headers={"Idempotency-Key": "a\x00b"},
    )
    assert_error(r, 400, "Header values must not contain NUL characters")
    assert await thread_count(harness) == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("account_id=3&account_id=1", "account_id"),
        ("account_id=1&account_id=1", "account_id"),
        ("account_id=1&page_size=2&page_size=3", "page_size"),
        ("account_id=1&page_token=a&page_token=b", "page_token"),
    ],
)
async def test_a_repeated_query_field_is_refused(harness: Harness, query: str, field: str) -> None:
    r = await harness.client.get(f"{API}/threads?{query}")
    assert_error(r, 400, f"{QUERY}duplicate field `{field}`")


async def test_a_repeated_account_id_cannot_cancel(harness: Harness) -> None:
    created = await start(harness, "!omni:sleep=2 hello")
    r = await harness.client.delete(
        f"{API}/responses/{created['response_id']}?account_id=3&account_id=1"
    )
    assert_error(r, 400, f"{QUERY}duplicate field `account_id`")
    r = await harness.client.get(
        f"{API}/responses/{created['response_id']}", params={"account_id": 1}
    )
    assert r.json()["data"]["status"] in ("queued", "running")


async def test_unknown_repeated_query_fields_are_ignored(harness: Harness) -> None:
    r = await harness.client.get(f"{API}/threads?account_id=1&x=1&x=2")
    assert r.status_code == 200
