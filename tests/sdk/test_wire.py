"""What each method puts on the wire: method, path, query, body and headers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from clear_street import __version__
from tests.sdk.conftest import API_KEY, Call
from tests.sdk.mock_api import THREAD, FakeApi, message, ok, response

TID = "019dbae9-73b3-7fe0-bd14-25fe57e91475"
MID = "019dbae9-73b3-7fe0-bd14-25fe57e91476"
RID = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
TURN = {"response_id": RID, "thread_id": TID, "user_message_id": MID}
GRANT = {
    "entitlement_id": "g1",
    "account_id": 7,
    "entitlement_code": "omni.account_data",
    "agreement_id": "01JZ0000000000000000000000",
    "granted_at": "2026-04-23T15:15:54.929830+00:00",
}
STATUS = {"account_id": 7, "enabled": False, "entitlement_code": "omni.account_data"}
AGREEMENT = {
    "agreement_id": "01JZ0000000000000000000000",
    "agreement_key": "omni_account_data_access",
    "version": 1,
    "title": "Account data",
    "document_content": "text",
    "document_sha256": "00",
    "entitlement_codes": ["omni.account_data"],
}

# name, args, kwargs, HTTP method, path, query, body, data answered
ENDPOINTS: list[tuple[str, tuple[Any, ...], dict[str, Any], str, str, dict[str, str], Any, Any]] = [
    (
        "threads.create_thread",
        (),
        {"type": "instant", "account_id": 7, "text": "hi"},
        "POST",
        "/v1/omni-ai/threads",
        {},
        {"type": "instant", "account_id": 7, "text": "hi"},
        TURN,
    ),
    (
        "threads.create_message",
        (TID,),
        {"text": "more", "account_id": 7},
        "POST",
        f"/v1/omni-ai/threads/{TID}/messages",
        {},
        {"text": "more", "account_id": 7},
        TURN,
    ),
    (
        "threads.get_threads",
        (),
        {"account_id": 7},
        "GET",
        "/v1/omni-ai/threads",
        {"account_id": "7"},
        None,
        [THREAD],
    ),
    (
        "threads.get_thread_by_id",
        (TID,),
        {"account_id": 7},
        "GET",
        f"/v1/omni-ai/threads/{TID}",
        {"account_id": "7"},
        None,
        THREAD,
    ),
    (
        "threads.get_thread_response",
        (TID,),
        {"account_id": 7},
        "GET",
        f"/v1/omni-ai/threads/{TID}/response",
        {"account_id": "7"},
        None,
        None,
    ),
    (
        "threads.get_messages",
        (TID,),
        {"account_id": 7},
        "GET",
        f"/v1/omni-ai/threads/{TID}/messages",
        {"account_id": "7"},
        None,
        [message(1)],
    ),
    (
        "messages.get_message_by_id",
        (MID,),
        {"account_id": 7},
        "GET",
        f"/v1/omni-ai/messages/{MID}",
        {"account_id": "7"},
        None,
        message(2),
    ),
    (
        "messages.submit_feedback",
        (MID,),
        {"score": 1, "account_id": 7},
        "POST",
        f"/v1/omni-ai/messages/{MID}/feedback",
        {},
        {"score": 1, "account_id": 7},
        {"created_at": "2026-04-23T16:09:51.746912+00:00", "feedback_id": "f1"},
    ),
    (
        "responses.get_response_by_id",
        (RID,),
        {"account_id": 7},
        "GET",
        f"/v1/omni-ai/responses/{RID}",
        {"account_id": "7"},
        None,
        response("running"),
    ),
    (
        "responses.cancel_response",
        (RID,),
        {"account_id": 7},
        "DELETE",
        f"/v1/omni-ai/responses/{RID}",
        {"account_id": "7"},
        None,
        {"canceled": True},
    ),
    (
        "entitlements.get_entitlement_agreements",
        (),
        {},
        "GET",
        "/v1/omni-ai/entitlement-agreements",
        {},
        None,
        [AGREEMENT],
    ),
    ("entitlements.get_entitlements", (), {}, "GET", "/v1/omni-ai/entitlements", {}, None, [GRANT]),
    (
        "entitlements.create_entitlements",
        (),
        {"account_ids": (7, 8), "agreement_id": "a1", "entitlement_codes": ["omni.account_data"]},
        "POST",
        "/v1/omni-ai/entitlements",
        {},
        {"account_ids": [7, 8], "agreement_id": "a1", "entitlement_codes": ["omni.account_data"]},
        [GRANT],
    ),
    (
        "entitlements.delete_entitlement",
        ("g1",),
        {},
        "DELETE",
        "/v1/omni-ai/entitlements/g1",
        {},
        None,
        {"entitlement_id": "g1", "revoked": True},
    ),
    (
        "entitlements.get_entitlement_status",
        (),
        {"account_id": 7},
        "GET",
        "/v1/omni-ai/entitlement-status",
        {"account_id": "7"},
        None,
        [STATUS],
    ),
    (
        "entitlements.opt_out_entitlements",
        (),
        {"account_ids": [7], "entitlement_codes": ["omni.account_data"]},
        "POST",
        "/v1/omni-ai/entitlements/opt-out",
        {},
        {"account_ids": [7], "entitlement_codes": ["omni.account_data"]},
        [STATUS],
    ),
]


@pytest.mark.parametrize(
    ("name", "args", "kwargs", "method", "path", "query", "body", "data"),
    ENDPOINTS,
    ids=[row[0] for row in ENDPOINTS],
)
def test_endpoint_wire_form(
    call: Call,
    api: FakeApi,
    name: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    method: str,
    path: str,
    query: dict[str, str],
    body: Any,
    data: Any,
) -> None:
    api.queue(ok(data))

    result = call(name, *args, **kwargs)

    sent = api.last
    assert (sent.method, sent.url.path, api.query()) == (method, path, query)
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert sent.headers["accept"] == "application/json"
    assert sent.headers["user-agent"] == f"clear-street-omni-python/{__version__}"
    if body is None:
        assert sent.content == b""
        assert "content-type" not in sent.headers
    else:
        assert api.body() == body
        assert sent.headers["content-type"] == "application/json"
    assert result.metadata.request_id
    assert result.model_dump(mode="json", by_alias=True, exclude_unset=True)["data"] == data


def test_every_official_method_is_covered() -> None:
    covered = {row[0] for row in ENDPOINTS}
    assert len(covered) == 16


def test_omitted_parameters_are_not_sent_and_none_is_null(call: Call, api: FakeApi) -> None:
    api.queue(ok(TURN), ok([THREAD]))

    call(
        "threads.create_thread",
        type="deep_insights",
        account_id=7,
        thesis=None,
        target={"type": "ticker", "ticker": "AAPL"},
    )
    call("threads.get_threads", account_id=7, page_size=5)

    assert api.body(0) == {
        "type": "deep_insights",
        "account_id": 7,
        "thesis": None,
        "target": {"type": "ticker", "ticker": "AAPL"},
    }
    assert api.query(1) == {"account_id": "7", "page_size": "5"}


def test_models_and_iterables_are_sent_as_json(call: Call, api: FakeApi) -> None:
    from datetime import UTC, datetime

    from clear_street.types import ContextItem, TurnContext

    context = TurnContext(
        items=[
            ContextItem(
                kind="quote",
                label="AAPL",
                data={"px": "1.5"},
                captured_at=datetime(2026, 1, 2, tzinfo=UTC),
            )
        ]
    )
    api.queue(ok(TURN))

    call(
        "threads.create_message",
        TID,
        text="t",
        account_id=7,
        capabilities=iter(["OPEN_CHART"]),
        context=context,
    )

    assert api.body() == {
        "text": "t",
        "account_id": 7,
        "capabilities": ["OPEN_CHART"],
        "context": {
            "items": [
                {
                    "kind": "quote",
                    "label": "AAPL",
                    "data": {"px": "1.5"},
                    "captured_at": "2026-01-02T00:00:00.000000+00:00",
                }
            ]
        },
    }


@pytest.mark.parametrize(
    ("name", "param"),
    [
        ("threads.get_thread_by_id", "thread_id"),
        ("threads.get_thread_response", "thread_id"),
        ("threads.get_messages", "thread_id"),
        ("messages.get_message_by_id", "message_id"),
        ("responses.get_response_by_id", "response_id"),
        ("responses.cancel_response", "response_id"),
    ],
)
def test_empty_path_id_raises_before_any_request(
    call: Call, api: FakeApi, name: str, param: str
) -> None:
    with pytest.raises(
        ValueError, match=f"Expected a non-empty value for `{param}` but received ''"
    ):
        call(name, "", account_id=7)
    assert api.requests == []


@pytest.mark.parametrize(
    ("name", "kwargs", "param"),
    [
        ("threads.create_message", {"text": "x", "account_id": 7}, "thread_id"),
        ("messages.submit_feedback", {"score": 1, "account_id": 7}, "message_id"),
        ("entitlements.delete_entitlement", {}, "entitlement_id"),
        ("responses.wait", {"account_id": 7}, "response_id"),
    ],
)
def test_empty_path_id_on_other_methods(
    call: Call, api: FakeApi, name: str, kwargs: dict[str, Any], param: str
) -> None:
    with pytest.raises(ValueError, match=f"`{param}`"):
        call(name, "", **kwargs)
    assert api.requests == []


def test_path_ids_are_escaped(call: Call, api: FakeApi) -> None:
    api.queue(ok(THREAD))

    call("threads.get_thread_by_id", "../entitlements?x=1", account_id=7)

    assert api.last.url.raw_path == b"/v1/omni-ai/threads/..%2Fentitlements%3Fx%3D1?account_id=7"


def test_path_id_may_be_passed_by_keyword(call: Call, api: FakeApi) -> None:
    api.queue(ok({"canceled": True}))

    result = call("responses.cancel_response", response_id=RID, account_id=0)

    assert result.data.canceled is True
    assert api.query() == {"account_id": "0"}


def test_extra_headers_query_and_body_are_merged_last(call: Call, api: FakeApi) -> None:
    api.queue(ok({"created_at": "2026-04-23T16:09:51.746912+00:00"}))

    call(
        "messages.submit_feedback",
        MID,
        score=5,
        account_id=7,
        comment="great",
        extra_headers={"X-Trace": "t1", "Authorization": "Bearer other"},
        extra_query={"debug": "1"},
        extra_body={"score": 4, "tag": "x"},
    )

    assert api.body() == {"score": 4, "account_id": 7, "comment": "great", "tag": "x"}
    assert api.query() == {"debug": "1"}
    assert api.last.headers["x-trace"] == "t1"
    assert api.last.headers["authorization"] == "Bearer other"


def test_per_call_timeout_reaches_the_request(call: Call, api: FakeApi) -> None:
    api.queue(ok(THREAD), ok(THREAD))

    call("threads.get_thread_by_id", TID, account_id=7, timeout=1.5)
    call("threads.get_thread_by_id", TID, account_id=7)

    assert api.requests[0].extensions["timeout"] == httpx.Timeout(1.5).as_dict()
    # Without a per-call timeout the client's applies; here the lent http_client's (5 s).
    assert api.requests[1].extensions["timeout"] == httpx.Timeout(5.0).as_dict()


@pytest.mark.parametrize("name", ["threads.create_thread", "threads.create_message"])
def test_creates_carry_a_fresh_idempotency_key(call: Call, api: FakeApi, name: str) -> None:
    args = () if name == "threads.create_thread" else (TID,)
    kwargs: dict[str, Any] = {"account_id": 7, "text": "hi"}
    if name == "threads.create_thread":
        kwargs["type"] = "instant"
    api.queue(ok(TURN), ok(TURN))

    call(name, *args, **kwargs)
    call(name, *args, **kwargs)

    first, second = (r.headers["idempotency-key"] for r in api.requests)
    assert first != second
    assert len(first) == 36


def test_caller_idempotency_key_wins(call: Call, api: FakeApi) -> None:
    api.queue(ok(TURN))

    call(
        "threads.create_thread",
        type="instant",
        account_id=7,
        text="hi",
        extra_headers={"idempotency-key": "mine"},
    )

    assert api.last.headers.get_list("idempotency-key") == ["mine"]


def test_reads_carry_no_idempotency_key(call: Call, api: FakeApi) -> None:
    api.queue(ok({"canceled": False}))

    call("responses.cancel_response", RID, account_id=7)

    assert "idempotency-key" not in api.last.headers
