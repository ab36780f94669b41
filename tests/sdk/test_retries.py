"""Which failures are retried, how long the client waits, and what stays the same."""

from __future__ import annotations

from email.utils import formatdate

import httpx
import pytest

from clear_street import ClearStreet, ConflictError, InternalServerError, NotFoundError
from clear_street._retry import RetryBudget, backoff, retry_after
from tests.sdk.conftest import Call
from tests.sdk.mock_api import THREAD, FakeApi, FakeTime, error, ok

TURN = {"response_id": "r", "thread_id": "t", "user_message_id": "u"}


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried(call: Call, api: FakeApi, status: int) -> None:
    api.queue(error(status, "busy"), error(status, "busy"), ok(THREAD))

    result = call("threads.get_thread_by_id", "t", account_id=7)

    assert result.data.id == THREAD["id"]
    assert len(api.requests) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_not_retried(
    call: Call, api: FakeApi, fake_time: FakeTime, status: int
) -> None:
    api.queue(error(status, "no"))

    with pytest.raises(Exception, match="no"):
        call("threads.get_thread_by_id", "t", account_id=7)

    assert len(api.requests) == 1
    assert fake_time.sleeps == []


def test_gives_up_after_max_retries(call: Call, api: FakeApi, fake_time: FakeTime) -> None:
    api.queue(*[error(500, "down")] * 3)

    with pytest.raises(InternalServerError):
        call("threads.get_thread_by_id", "t", account_id=7)

    assert len(api.requests) == 3
    assert len(fake_time.sleeps) == 2
    assert 0.375 <= fake_time.sleeps[0] <= 0.5
    assert 0.75 <= fake_time.sleeps[1] <= 1.0


def test_should_retry_false_stops_a_retryable_status(call: Call, api: FakeApi) -> None:
    api.queue(
        error(409, "thread already has an active response", headers={"x-should-retry": "false"})
    )

    with pytest.raises(ConflictError):
        call("threads.create_message", "t", text="x", account_id=7)

    assert len(api.requests) == 1


def test_should_retry_true_retries_any_status(call: Call, api: FakeApi) -> None:
    api.queue(error(404, "not yet", headers={"x-should-retry": "true"}), ok(THREAD))

    call("threads.get_thread_by_id", "t", account_id=7)

    assert len(api.requests) == 2


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
    ],
)
def test_retry_after_is_honoured(
    call: Call, api: FakeApi, fake_time: FakeTime, headers: dict[str, str], expected: float
) -> None:
    api.queue(error(429, "slow down", headers=headers), ok(THREAD))

    call("threads.get_thread_by_id", "t", account_id=7)

    assert fake_time.sleeps == [expected]


@pytest.mark.parametrize("value", ["120", "0", "-1", "soon"])
def test_unreasonable_retry_after_falls_back_to_backoff(
    call: Call, api: FakeApi, fake_time: FakeTime, value: str
) -> None:
    api.queue(error(503, "later", headers={"retry-after": value}), ok(THREAD))

    call("threads.get_thread_by_id", "t", account_id=7)

    assert 0.375 <= fake_time.sleeps[0] <= 0.5


def test_retry_after_http_date() -> None:
    headers = httpx.Headers({"retry-after": formatdate(1_000_010.0, usegmt=True)})

    assert retry_after(headers, now=lambda: 1_000_000.0) == pytest.approx(10.0)


def test_backoff_doubles_up_to_eight_seconds_with_jitter() -> None:
    assert [backoff(n, rand=lambda: 0.0) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert backoff(0, rand=lambda: 1.0) == 0.375
    assert backoff(10_000, rand=lambda: 0.0) == 8.0


def test_budget_counts_transport_errors_and_responses_together() -> None:
    budget = RetryBudget(2, rand=lambda: 0.0)
    assert budget.after_transport_error() == 0.5
    assert budget.after_response(httpx.Response(500)) == 1.0
    assert budget.after_response(httpx.Response(500)) is None


def test_connection_errors_are_retried(call: Call, api: FakeApi) -> None:
    api.queue(httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), ok(THREAD))

    result = call("threads.get_thread_by_id", "t", account_id=7)

    assert result.data.title == THREAD["title"]
    assert len(api.requests) == 3


def test_idempotency_key_is_reused_across_retries(call: Call, api: FakeApi) -> None:
    api.queue(httpx.ConnectError("reset"), error(503, "later"), ok(TURN))

    call("threads.create_thread", type="instant", account_id=7, text="hi")

    keys = {r.headers["idempotency-key"] for r in api.requests}
    assert len(api.requests) == 3
    assert len(keys) == 1


def test_every_attempt_sends_the_same_body(call: Call, api: FakeApi) -> None:
    api.queue(error(500, "x"), ok(TURN))

    call("threads.create_message", "t", text="again", account_id=7)

    assert api.requests[0].content == api.requests[1].content


def test_max_retries_zero(api: FakeApi, client: ClearStreet) -> None:
    api.queue(error(500, "down"))

    with pytest.raises(InternalServerError):
        client.with_options(max_retries=0).v1.omni_ai.threads.get_thread_by_id("t", account_id=7)

    assert len(api.requests) == 1


def test_max_retries_more(api: FakeApi, client: ClearStreet, fake_time: FakeTime) -> None:
    retrying = client.with_options(max_retries=4)
    retrying._transport.sleep = fake_time.sleep
    api.queue(*[error(500, "down")] * 4, error(404, "gone"))

    with pytest.raises(NotFoundError):
        retrying.v1.omni_ai.threads.get_thread_by_id("t", account_id=7)

    assert len(api.requests) == 5
