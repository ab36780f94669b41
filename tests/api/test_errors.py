"""Every documented error string, the envelope and the retry headers; bad input changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.support import Harness, wait_terminal

API = "/v1/omni-ai"
FORBIDDEN = "The caller does not have permission to execute the specified operation"
UNAUTHENTICATED = "The request does not have valid authentication credentials for the operation"


def assert_error(r: Any, status: int, message: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body: dict[str, Any] = r.json()
    assert "data" not in body
    assert body["error"]["code"] == status
    assert body["error"]["message"] == message
    assert r.headers["x-request-id"] == body["metadata"]["request_id"]
    if status not in (408, 429) and status < 500:
        assert r.headers["x-should-retry"] == "false"
    return body


async def start(h: Harness, text: str = "hello AAPL") -> dict[str, Any]:
    r = await h.client.post(
        f"{API}/threads", json={"type": "instant", "account_id": 1, "text": text}
    )
    data: dict[str, Any] = r.json()["data"]
    return data


async def thread_count(h: Harness, account: int = 1) -> int:
    r = await h.client.get(f"{API}/threads", params={"account_id": account})
    return len(r.json()["data"])


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer "},
    ],
)
async def test_unauthenticated(harness: Harness, headers: dict[str, str]) -> None:
    harness.client.headers.pop("Authorization")
    r = await harness.client.get(f"{API}/threads", params={"account_id": 1}, headers=headers)
    assert_error(r, 401, UNAUTHENTICATED)


async def test_account_not_granted_is_forbidden_everywhere(harness: Harness) -> None:
    created = await start(harness)
    paths = [
        ("GET", f"{API}/threads"),
        ("GET", f"{API}/threads/{created['thread_id']}"),
        ("GET", f"{API}/threads/{created['thread_id']}/messages"),
        ("GET", f"{API}/threads/{created['thread_id']}/response"),
        ("GET", f"{API}/responses/{created['response_id']}"),
        ("DELETE", f"{API}/responses/{created['response_id']}"),
        ("GET", f"{API}/messages/{created['user_message_id']}"),
    ]
    for method, path in paths:
        r = await harness.client.request(method, path, params={"account_id": 99})
        assert_error(r, 403, FORBIDDEN)
    r = await harness.client.post(
        f"{API}/threads", json={"type": "instant", "account_id": 99, "text": "x"}
    )
    assert_error(r, 403, FORBIDDEN)
    r = await harness.client.post(
        f"{API}/threads/{created['thread_id']}/messages", json={"account_id": 99, "text": "x"}
    )
    assert_error(r, 403, FORBIDDEN)
    final = await wait_terminal(harness.client, created["response_id"])
    assert final["status"] == "succeeded"


async def test_other_account_resources_are_not_found(harness: Harness) -> None:
    created = await start(harness)
    final = await wait_terminal(harness.client, created["response_id"])
    cases = [
        ("GET", f"{API}/threads/{created['thread_id']}", "Thread not found"),
        ("GET", f"{API}/threads/{created['thread_id']}/messages", "Thread not found"),
        ("GET", f"{API}/threads/{created['thread_id']}/response", "Thread not found"),
        ("GET", f"{API}/responses/{created['response_id']}", "Response not found"),
        ("DELETE", f"{API}/responses/{created['response_id']}", "Response not found"),
        ("GET", f"{API}/messages/{final['output_message_id']}", "Message not found"),
    ]
    for method, path, message in cases:
        r = await harness.client.request(method, path, params={"account_id": 2})
        assert_error(r, 404, message)
    r = await harness.client.post(
        f"{API}/threads/{created['thread_id']}/messages", json={"account_id": 2, "text": "x"}
    )
    assert_error(r, 404, "Thread not found")


async def test_missing_resources_are_not_found(harness: Harness) -> None:
    missing = str(uuid.uuid4())
    for method, path, message in [
        ("GET", f"{API}/threads/{missing}", "Thread not found"),
        ("GET", f"{API}/responses/{missing}", "Response not found"),
        ("DELETE", f"{API}/responses/{missing}", "Response not found"),
        ("GET", f"{API}/messages/{missing}", "Message not found"),
    ]:
        assert_error(
            await harness.client.request(method, path, params={"account_id": 1}), 404, message
        )


async def test_message_of_a_running_turn_is_not_found(harness: Harness) -> None:
    created = await start(harness, "!omni:hang")
    r = await harness.client.get(
        f"{API}/responses/{created['response_id']}", params={"account_id": 1}
    )
    output = r.json()["data"]["output_message_id"]
    assert output
    assert_error(
        await harness.client.get(f"{API}/messages/{output}", params={"account_id": 1}),
        404,
        "Message not found",
    )
    await harness.client.delete(
        f"{API}/responses/{created['response_id']}", params={"account_id": 1}
    )


async def test_second_active_turn_is_a_conflict_with_details(harness: Harness) -> None:
    created = await start(harness, "!omni:hang")
    r = await harness.client.post(
        f"{API}/threads/{created['thread_id']}/messages", json={"account_id": 1, "text": "again"}
    )
    body = assert_error(r, 409, "thread already has an active response")
    assert body["error"]["details"] == [{"active_response_id": created["response_id"]}]
    history = await harness.client.get(
        f"{API}/threads/{created['thread_id']}/messages", params={"account_id": 1}
    )
    assert len(history.json()["data"]) == 1
    await harness.client.delete(
        f"{API}/responses/{created['response_id']}", params={"account_id": 1}
    )


@pytest.mark.parametrize("path", ["/threads", "/threads/{t}", "/responses/{r}", "/messages/{m}"])
async def test_missing_account_id_query(harness: Harness, path: str) -> None:
    ids = {"t": uuid.uuid4(), "r": uuid.uuid4(), "m": uuid.uuid4()}
    r = await harness.client.get(API + path.format(**ids))
    assert_error(r, 400, "Failed to deserialize query string: missing field `account_id`")


@pytest.mark.parametrize(
    ("value", "detail"),
    [
        ("abc", "invalid digit found in string"),
        ("", "cannot parse integer from empty string"),
        ("99999999999999999999", "number too large to fit in target type"),
    ],
)
async def test_bad_account_id_query(harness: Harness, value: str, detail: str) -> None:
    r = await harness.client.get(f"{API}/threads", params={"account_id": value})
    assert_error(r, 400, f"Failed to deserialize query string: {detail}")


@pytest.mark.parametrize("size", ["0", "101", "-1"])
async def test_page_size_out_of_range(harness: Harness, size: str) -> None:
    r = await harness.client.get(f"{API}/threads", params={"account_id": 1, "page_size": size})
    assert_error(r, 400, "Failed to deserialize query string: page_size: must be between 1 and 100")


async def test_bad_page_token(harness: Harness) -> None:
    r = await harness.client.get(
        f"{API}/threads", params={"account_id": 1, "page_token": "garbage!"}
    )
    assert_error(r, 400, "Failed to deserialize query string: page_token: invalid pagination token")


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/threads/not-a-uuid", "thread_id"),
        ("/responses/123", "response_id"),
        ("/messages/zzz", "message_id"),
    ],
)
async def test_path_id_must_be_a_uuid(harness: Harness, path: str, name: str) -> None:
    r = await harness.client.get(API + path, params={"account_id": 1})
    body = assert_error(r, 400, r.json()["error"]["message"])
    assert body["error"]["message"].startswith("Invalid URL: ")
    assert f"`{name}`" in body["error"]["message"]


async def test_text_required_for_instant(harness: Harness) -> None:
    for body in (
        {"type": "instant", "account_id": 1},
        {"type": "instant", "account_id": 1, "text": "  "},
    ):
        r = await harness.client.post(f"{API}/threads", json=body)
        assert_error(r, 400, "text is required for instant mode")
    assert await thread_count(harness) == 0


async def test_target_required_for_deep_insights(harness: Harness) -> None:
    r = await harness.client.post(f"{API}/threads", json={"type": "deep_insights", "account_id": 1})
    assert_error(r, 400, "target is required for deep_insights mode")
    assert await thread_count(harness) == 0


async def test_body_errors_use_serde_texts(harness: Harness) -> None:
    r = await harness.client.post(
        f"{API}/threads",
        content=b'{\n  "type": "instant",\n  "text": "hi"\n}',
        headers={"content-type": "application/json"},
    )
    assert_error(
        r,
        422,
        "Failed to deserialize the JSON body into the target type: "
        "missing field `account_id` at line 4 column 1",
    )
    r = await harness.client.post(
        f"{API}/threads",
        content=b'{\n  "account_id": 1,\n}',
        headers={"content-type": "application/json"},
    )
    assert_error(
        r, 400, "Failed to parse the request body as JSON: trailing comma at line 3 column 1"
    )
    r = await harness.client.post(
        f"{API}/threads",
        content=b'{\n  "account_id": 1\n',
        headers={"content-type": "application/json"},
    )
    assert_error(
        r,
        400,
        "Failed to parse the request body as JSON: EOF while parsing an object at line 3 column 0",
    )
    r = await harness.client.post(
        f"{API}/threads", json={"type": "chat", "account_id": 1, "text": "x"}
    )
    assert r.status_code == 422
    assert (
        "unknown variant `chat`, expected `instant` or `deep_insights`"
        in r.json()["error"]["message"]
    )
    r = await harness.client.post(
        f"{API}/threads", json={"type": "instant", "account_id": "a", "text": "x"}
    )
    assert r.status_code == 422
    assert 'invalid type: string "a", expected i64' in r.json()["error"]["message"]
    assert await thread_count(harness) == 0


async def test_unknown_route_and_method_use_the_envelope(harness: Harness) -> None:
    r = await harness.client.get(f"{API}/nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"] == 404
    r = await harness.client.put(f"{API}/threads", json={})
    assert r.status_code == 405 and r.json()["error"]["code"] == 405


async def test_a_trailing_slash_is_not_found_not_redirected(harness: Harness) -> None:
    """As the reference's router: a path with a trailing slash is another path (404 in the
    envelope), never a redirect a client would have to follow."""
    for path in (f"{API}/threads/", f"{API}/threads/abc/messages/", "/healthz/"):
        r = await harness.client.get(path, params={"account_id": 1}, follow_redirects=False)
        assert r.status_code == 404 and r.json()["error"]["code"] == 404, path
