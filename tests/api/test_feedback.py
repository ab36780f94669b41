"""Feedback on messages: only finalized assistant messages, every submission stored."""

from __future__ import annotations

import re
import uuid
from typing import Any

from omni_server.store.feedback import FeedbackStore
from tests.api.test_errors import FORBIDDEN, assert_error, start
from tests.support import Harness, wait_terminal

API = "/v1/omni-ai"
NOT_FINAL = "feedback is only accepted for finalized assistant messages"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")


async def finished(h: Harness, text: str = "hello AAPL") -> tuple[dict[str, Any], dict[str, Any]]:
    created = await start(h, text)
    return created, await wait_terminal(h.client, created["response_id"])


async def feedback(h: Harness, message_id: str, **body: Any) -> Any:
    payload = {"account_id": 1, "score": 1, **body}
    return await h.client.post(f"{API}/messages/{message_id}/feedback", json=payload)


async def test_feedback_is_recorded_each_time(harness: Harness) -> None:
    _created, final = await finished(harness)
    message_id = final["output_message_id"]
    r = await feedback(harness, message_id, comment="Useful", metadata={"screen": "chat"})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert set(data) == {"feedback_id", "created_at"}
    assert uuid.UUID(data["feedback_id"]).version == 7
    assert TIMESTAMP.match(data["created_at"])
    second = (await feedback(harness, message_id, score=-1)).json()["data"]
    assert second["feedback_id"] != data["feedback_id"]
    stored = await FeedbackStore(harness.app.state.db).for_message(uuid.UUID(message_id))
    assert [(f.score, f.comment, f.metadata) for f in stored] == [
        (1, "Useful", {"screen": "chat"}),
        (-1, None, None),
    ]
    assert {f.account_id for f in stored} == {1}


async def test_scores_from_thumbs_to_stars(harness: Harness) -> None:
    _created, final = await finished(harness)
    for score in (-1, 0, 1, 2, 3, 4, 5):
        assert (await feedback(harness, final["output_message_id"], score=score)).status_code == 200
    r = await feedback(harness, final["output_message_id"], score=6)
    assert r.status_code == 422


async def test_user_messages_are_refused(harness: Harness) -> None:
    created, _final = await finished(harness)
    assert_error(await feedback(harness, created["user_message_id"]), 400, NOT_FINAL)


async def test_unfinished_turn_is_refused_then_accepted_once_final(harness: Harness) -> None:
    created = await start(harness, "!omni:hang")
    r = await harness.client.get(
        f"{API}/responses/{created['response_id']}", params={"account_id": 1}
    )
    output = r.json()["data"]["output_message_id"]
    assert_error(await feedback(harness, output), 400, NOT_FINAL)
    assert_error(await feedback(harness, output, account_id=2), 404, "Message not found")
    await harness.client.delete(
        f"{API}/responses/{created['response_id']}", params={"account_id": 1}
    )
    assert (await feedback(harness, output)).status_code == 200  # a canceled message is final


async def test_errored_messages_take_feedback(harness: Harness) -> None:
    _created, final = await finished(harness, "!omni:fail=engine_error")
    assert final["status"] == "failed"
    assert (await feedback(harness, final["output_message_id"])).status_code == 200


async def test_scoping(harness: Harness) -> None:
    _created, final = await finished(harness)
    message_id = final["output_message_id"]
    assert_error(await feedback(harness, message_id, account_id=99), 403, FORBIDDEN)
    assert_error(await feedback(harness, message_id, account_id=2), 404, "Message not found")
    assert_error(await feedback(harness, str(uuid.uuid4())), 404, "Message not found")
    assert await FeedbackStore(harness.app.state.db).for_message(uuid.UUID(message_id)) == []


async def test_request_errors(harness: Harness) -> None:
    _created, final = await finished(harness)
    path = f"{API}/messages/{final['output_message_id']}/feedback"
    r = await harness.client.post(path, content=b'{\n  "account_id": 1\n}')
    assert_error(
        r,
        422,
        "Failed to deserialize the JSON body into the target type: missing field `score` "
        "at line 3 column 1",
    )
    r = await harness.client.post(path, content=b'{\n  "account_id": 1,\n  "score": 1,\n}')
    assert_error(
        r, 400, "Failed to parse the request body as JSON: trailing comma at line 4 column 1"
    )
    r = await harness.client.post(
        f"{API}/messages/nope/feedback", json={"account_id": 1, "score": 1}
    )
    assert_error(r, 400, "Invalid URL: Cannot parse `message_id` with value `nope` to a `Uuid`")
    harness.client.headers.pop("Authorization")
    assert (await harness.client.post(path, json={"account_id": 1, "score": 1})).status_code == 401
