"""Error answers become one exception class per status, carrying what the API said."""

from __future__ import annotations

import httpx
import pytest

import clear_street
from clear_street import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClearStreetError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from tests.sdk.conftest import Call
from tests.sdk.mock_api import REQUEST_ID, FakeApi, error

RID = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
NO_RETRY = {"x-should-retry": "false"}


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
        (418, APIStatusError),
    ],
)
def test_status_maps_to_its_class(
    call: Call, api: FakeApi, status: int, cls: type[APIStatusError]
) -> None:
    api.queue(error(status, "it went wrong", headers=NO_RETRY))

    with pytest.raises(cls) as caught:
        call("responses.get_response_by_id", RID, account_id=7)

    exc = caught.value
    assert type(exc) is cls
    assert exc.status_code == status
    assert exc.message == "it went wrong"
    assert exc.body == {
        "error": {"code": status, "message": "it went wrong"},
        "metadata": {"request_id": REQUEST_ID},
    }
    assert exc.request_id == REQUEST_ID
    assert exc.request.url.path == f"/v1/omni-ai/responses/{RID}"
    assert str(exc) == f"Error code: {status} - it went wrong (request_id: {REQUEST_ID})"


def test_request_id_header_is_preferred(call: Call, api: FakeApi) -> None:
    api.queue(error(404, "Thread not found", headers={"X-Request-Id": "from-header"}))

    with pytest.raises(NotFoundError) as caught:
        call("threads.get_thread_by_id", "t", account_id=7)

    assert caught.value.request_id == "from-header"


def test_conflict_details_are_exposed(call: Call, api: FakeApi) -> None:
    api.queue(
        error(
            409,
            "thread already has an active response",
            headers=NO_RETRY,
            details=[{"active_response_id": RID}],
        )
    )

    with pytest.raises(ConflictError) as caught:
        call("threads.create_message", "t", text="x", account_id=7)

    assert caught.value.details == [{"active_response_id": RID}]


def test_non_json_error_body(call: Call, api: FakeApi) -> None:
    api.queue(httpx.Response(502, text="<html>Bad gateway</html>", headers=NO_RETRY))

    with pytest.raises(InternalServerError) as caught:
        call("threads.get_thread_by_id", "t", account_id=7)

    assert caught.value.body == "<html>Bad gateway</html>"
    assert caught.value.message == "<html>Bad gateway</html>"
    assert caught.value.request_id is None
    assert caught.value.details is None


def test_empty_error_body_uses_the_reason_phrase(call: Call, api: FakeApi) -> None:
    api.queue(httpx.Response(403))

    with pytest.raises(PermissionDeniedError) as caught:
        call("threads.get_thread_by_id", "t", account_id=7)

    assert caught.value.body is None
    assert caught.value.message == "Forbidden"


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b'{"data": {"unexpected": true}, "metadata": {"request_id": "r"}}',
        b'{"data": {"canceled": true}}',
    ],
    ids=["not-json", "wrong-shape", "no-metadata"],
)
def test_unusable_success_raises_validation_error(call: Call, api: FakeApi, content: bytes) -> None:
    api.queue(httpx.Response(200, content=content))

    with pytest.raises(APIResponseValidationError) as caught:
        call("responses.cancel_response", RID, account_id=7)

    assert caught.value.status_code == 200


def test_connection_error_after_retries(call: Call, api: FakeApi) -> None:
    api.queue(*[httpx.ConnectError("refused")] * 3)

    with pytest.raises(APIConnectionError) as caught:
        call("threads.get_thread_by_id", "t", account_id=7)

    assert type(caught.value) is APIConnectionError
    assert "refused" in caught.value.message
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert len(api.requests) == 3


def test_timeout_after_retries(call: Call, api: FakeApi) -> None:
    api.queue(*[httpx.ReadTimeout("slow")] * 3)

    with pytest.raises(APITimeoutError) as caught:
        call("threads.get_thread_by_id", "t", account_id=7)

    assert caught.value.message == "Request timed out."
    assert len(api.requests) == 3


def test_the_tree() -> None:
    for cls in (
        BadRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        ConflictError,
        UnprocessableEntityError,
        RateLimitError,
        InternalServerError,
    ):
        assert issubclass(cls, APIStatusError)
    assert issubclass(APITimeoutError, APIConnectionError)
    for family in (APIStatusError, APIConnectionError, APIResponseValidationError):
        assert issubclass(family, APIError)
    assert issubclass(APIError, ClearStreetError)
    assert issubclass(clear_street.WaitTimeoutError, ClearStreetError)
    assert issubclass(clear_street.WaitTimeoutError, TimeoutError)


def test_the_tree_is_drawn_in_the_module_docstring() -> None:
    from clear_street import _exceptions

    doc = _exceptions.__doc__ or ""
    for name in clear_street.__all__:
        obj = getattr(clear_street, name)
        if isinstance(obj, type) and issubclass(obj, ClearStreetError):
            assert name in doc, name
