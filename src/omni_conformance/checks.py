"""The contract's checks. Each one creates what it needs and states what held.

A check raises :class:`CheckFailed` when the server breaks a rule and :class:`Inconclusive`
when the server behaved legally but in a way that leaves the rule untested (a turn that ended
before it could be canceled, say). The texts come from the contract
(``shared/spec/omni-ai-api.md``), which is what every implementation is judged by.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from omni_conformance.probe import CheckFailed, Probe, Reply

UNAUTHENTICATED = "The request does not have valid authentication credentials for the operation"
MISSING_ACCOUNT = "Failed to deserialize query string: missing field `account_id`"
BAD_PAGE_SIZE = "Failed to deserialize query string: page_size: must be between 1 and 100"
ACTIVE = "thread already has an active response"
REUSED_KEY = "Idempotency-Key was already used with a different request"


class Inconclusive(Exception):
    """The rule could not be exercised this time; not a failure."""


@dataclass
class Plan:
    """What the checks send: a quick question and one that keeps a turn running a while."""

    quick: str = "What is the price of AAPL?"
    slow: str = "!omni:sleep=5 Write a detailed, multi-paragraph overview of Apple's business."
    turn_timeout: float = 60.0
    finished: dict[str, Any] = field(default_factory=dict)  # the lifecycle check's turn


def _uuid(value: Any, version: int, what: str) -> None:
    try:
        parsed = uuid.UUID(str(value))
    except ValueError:
        raise CheckFailed(f"{what} is not a UUID: {value!r}") from None
    if parsed.version != version:
        raise CheckFailed(f"{what} is UUIDv{parsed.version}, expected UUIDv{version}")


def authentication(probe: Probe, plan: Plan) -> str:
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer not-a-key"}):
        reply = probe.call("GET", "/threads", params=probe.account(), headers=headers)
        reply.error(401, UNAUTHENTICATED)
        if reply.headers.get("x-should-retry") != "false":
            raise CheckFailed("a 401 must carry x-should-retry: false")
    return "no key and an unknown key: 401 with the contract's text"


def error_envelope(probe: Probe, plan: Plan) -> str:
    reply = probe.call("GET", f"/threads/{uuid.uuid4()}", params=probe.account())
    reply.error(404, "Thread not found")
    request_id = reply.body.get("metadata", {}).get("request_id")
    _uuid(request_id, 4, "metadata.request_id")
    if reply.headers.get("x-request-id") != request_id:
        raise CheckFailed("X-Request-Id differs from metadata.request_id")
    if "data" in reply.body:
        raise CheckFailed("an error envelope must not have a data key")
    if reply.headers.get("x-should-retry") != "false":
        raise CheckFailed("a 404 must carry x-should-retry: false")
    return "404 envelope, request id in header and body, x-should-retry: false"


def validation_texts(probe: Probe, plan: Plan) -> str:
    probe.call("GET", "/threads").error(400, MISSING_ACCOUNT)
    probe.call("GET", "/threads", params={**probe.account(), "page_size": 0}).error(
        400, BAD_PAGE_SIZE
    )
    probe.call("GET", "/threads/not-a-uuid", params=probe.account()).error(
        400, prefix="Invalid URL: "
    )
    body = {"type": "instant", "text": "hello"}
    reply = probe.call("POST", "/threads", json=body)
    reply.error(422, prefix="Failed to deserialize the JSON body into the target type: ")
    if "missing field `account_id`" not in reply.body["error"]["message"]:
        raise CheckFailed(f"422 does not name the missing field: {reply.text[:200]}")
    broken = probe.call(
        "POST", "/threads", content=b"{", headers={"Content-Type": "application/json"}
    )
    broken.error(400, prefix="Failed to parse the request body as JSON: ")
    return "missing account_id (query 400, body 422), bad page_size, bad path id, bad JSON"


def lifecycle(probe: Probe, plan: Plan) -> str:
    created = probe.start_thread(plan.quick)
    for name in ("thread_id", "response_id", "user_message_id"):
        _uuid(created[name], 7, name)
    first = probe.response(created["response_id"])["status"]
    if first not in ("queued", "running", "succeeded", "failed"):
        raise CheckFailed(f"a new response is {first!r}")
    final = probe.wait_terminal(created["response_id"], timeout=plan.turn_timeout)
    if final["status"] != "succeeded":
        raise CheckFailed(f"a plain question ended {final['status']}: {final.get('error')}")
    _uuid(final.get("output_message_id"), 7, "output_message_id")
    plan.finished = {**created, "output_message_id": final["output_message_id"]}
    return f"{first} → succeeded"


def final_messages(probe: Probe, plan: Plan) -> str:
    turn = _finished(plan)
    reply = probe.history(turn["thread_id"])
    messages = reply.data()
    shape = [(m.get("seq"), m.get("role"), m.get("outcome")) for m in messages]
    if shape != [(1, "USER", "completed"), (2, "ASSISTANT", "completed")]:
        raise CheckFailed(f"history is {shape}, expected USER 1 and ASSISTANT 2, completed")
    if messages[1].get("id") != turn["output_message_id"]:
        raise CheckFailed("the final message's id is not the response's output_message_id")
    _no_thinking(messages)
    single = probe.call("GET", f"/messages/{turn['output_message_id']}", params=probe.account())
    if single.data() != messages[1]:
        raise CheckFailed("GET /messages/{id} differs from the history's copy")
    thread = probe.call("GET", f"/threads/{turn['thread_id']}", params=probe.account()).data()
    if thread.get("title") != plan.quick[:80]:
        raise CheckFailed(f"thread title is {thread.get('title')!r}, expected the first prompt")
    idle = probe.call("GET", f"/threads/{turn['thread_id']}/response", params=probe.account())
    if idle.data() is not None:
        raise CheckFailed("an idle thread's active response is not null")
    return "one final message per turn, same by id, no thinking; idle thread → data null"


def one_active_turn(probe: Probe, plan: Plan) -> str:
    created = probe.start_thread(plan.slow)
    try:
        reply = probe.call(
            "POST",
            f"/threads/{created['thread_id']}/messages",
            json={**probe.account(), "text": "hi"},
        )
        if reply.status == 200:
            if probe.response(created["response_id"])["status"] in ("queued", "running"):
                raise CheckFailed("a second turn was accepted while the first was active")
            raise Inconclusive("the first turn ended before the second was sent")
        reply.error(409, ACTIVE)
        details = reply.body["error"].get("details")
        if details != [{"active_response_id": created["response_id"]}]:
            raise CheckFailed(f"409 details are {details!r}, expected the active response id")
        active = probe.call(
            "GET", f"/threads/{created['thread_id']}/response", params=probe.account()
        ).data()
        if not isinstance(active, dict) or active.get("id") != created["response_id"]:
            raise CheckFailed("GET /threads/{id}/response does not show the active response")
    finally:
        probe.call("DELETE", f"/responses/{created['response_id']}", params=probe.account())
    return "409 with active_response_id; the active response is found by thread"


def synchronous_cancel(probe: Probe, plan: Plan) -> str:
    created = probe.start_thread(plan.slow)
    url = f"/responses/{created['response_id']}"
    canceled = probe.call("DELETE", url, params=probe.account()).data()
    if canceled != {"canceled": True}:
        status = probe.response(created["response_id"])["status"]
        if canceled == {"canceled": False} and status in ("succeeded", "failed"):
            raise Inconclusive("the turn ended before the cancel arrived")
        raise CheckFailed(f"cancel answered {canceled!r} for a {status} response")
    after = probe.response(created["response_id"])
    if after["status"] != "canceled":
        raise CheckFailed(f"after DELETE answered, the response is {after['status']}")
    last = probe.history(created["thread_id"]).data()[-1]
    if (last.get("id"), last.get("outcome")) != (after.get("output_message_id"), "canceled"):
        raise CheckFailed("the canceled turn's final message is not in the history")
    _no_thinking([last])
    again = probe.call("DELETE", url, params=probe.account()).data()
    if again != {"canceled": True}:
        raise CheckFailed(f"a second cancel answered {again!r}")
    return "terminal with its final message when DELETE answers; a second cancel is a success"


def cancel_after_the_end(probe: Probe, plan: Plan) -> str:
    turn = _finished(plan)
    done = probe.call("DELETE", f"/responses/{turn['response_id']}", params=probe.account())
    if done.data() != {"canceled": False}:
        raise CheckFailed(f"cancel of a succeeded response answered {done.text[:200]}")
    missing = probe.call("DELETE", f"/responses/{_uuid7_like()}", params=probe.account())
    missing.error(404, "Response not found")
    return "succeeded → canceled: false; unknown id → 404"


def pagination(probe: Probe, plan: Plan) -> str:
    turn = _finished(plan)
    newest = probe.history(turn["thread_id"], page_size=1)
    body = _page_metadata(newest)
    if [m.get("seq") for m in newest.data()] != [2] or body.get("previous_page_token"):
        raise CheckFailed(
            f"the first page of size 1 is not the newest message: {newest.text[:200]}"
        )
    token = body.get("next_page_token")
    if not token:
        raise CheckFailed("the newest page has no next_page_token to older messages")
    older = probe.history(turn["thread_id"], page_token=token)
    older_body = _page_metadata(older)
    if [m.get("seq") for m in older.data()] != [1] or older_body.get("next_page_token"):
        raise CheckFailed(f"next_page_token did not lead to the oldest message: {older.text[:200]}")
    back = older_body.get("previous_page_token")
    if not back or [
        m.get("seq") for m in probe.history(turn["thread_id"], page_token=back).data()
    ] != [2]:
        raise CheckFailed("previous_page_token does not lead back to the newer message")
    return "next → older, previous → newer, null at the ends"


def idempotency_keys(probe: Probe, plan: Plan) -> str:
    key = {"Idempotency-Key": f"conformance-{uuid.uuid4()}"}
    body = {"type": "instant", **probe.account(), "text": plan.quick}
    first = probe.call("POST", "/threads", json=body, headers=key)
    second = probe.call("POST", "/threads", json=body, headers=key)
    if first.data() != second.data():
        raise CheckFailed("the same key and body did not replay the first answer")
    other = probe.call("POST", "/threads", json={**body, "text": "something else"}, headers=key)
    other.error(422, REUSED_KEY)
    probe.wait_terminal(first.data()["response_id"], timeout=plan.turn_timeout)
    return "same key and body replays; a different body is 422"


def _page_metadata(reply: Reply) -> dict[str, Any]:
    """Where a list answer keeps its page tokens (``metadata``)."""
    body = reply.body if isinstance(reply.body, dict) else {}
    metadata = body.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def _finished(plan: Plan) -> dict[str, Any]:
    if not plan.finished:
        raise Inconclusive("needs the lifecycle check's finished turn, which failed")
    return plan.finished


def _no_thinking(messages: list[Any]) -> None:
    for message in messages:
        parts = (message.get("content") or {}).get("parts") or []
        if any(isinstance(p, dict) and p.get("type") == "thinking" for p in parts):
            raise CheckFailed(f"finalized message {message.get('id')} has a thinking part")


def _uuid7_like() -> str:
    """A well-formed id that no server has issued."""
    return str(uuid.UUID(int=uuid.uuid4().int & ~(0xF << 76) | (0x7 << 76)))


Check = Callable[[Probe, Plan], str]

CHECKS: tuple[tuple[str, Check], ...] = (
    ("authentication", authentication),
    ("error envelope", error_envelope),
    ("validation texts", validation_texts),
    ("lifecycle", lifecycle),
    ("final messages", final_messages),
    ("one active turn", one_active_turn),
    ("synchronous cancel", synchronous_cancel),
    ("idempotent cancel", cancel_after_the_end),
    ("pagination", pagination),
    ("idempotency keys", idempotency_keys),
)
THREADS_CREATED = 4  # lifecycle, one active turn, cancel, idempotency (replays add none)
