"""``responses.wait``: poll on a growing interval until the turn ends, or give up."""

from __future__ import annotations

from typing import Any

import pytest

from clear_street import AsyncClearStreet, ClearStreet, NotFoundError, WaitTimeoutError
from tests.sdk.conftest import Call
from tests.sdk.mock_api import FakeApi, FakeTime, error, ok, response

RID = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"


@pytest.mark.parametrize("final", ["succeeded", "failed", "canceled"])
def test_wait_returns_the_terminal_snapshot(
    call: Call, api: FakeApi, fake_time: FakeTime, final: str
) -> None:
    api.queue(
        ok(response("queued")),
        ok(response("running")),
        ok(response("running")),
        ok(response(final)),
    )

    result = call("responses.wait", RID, account_id=7, poll_interval=0.2)

    assert result.data.status == final
    assert result.data.is_terminal
    assert len(api.requests) == 4
    assert all(r.url.path == f"/v1/omni-ai/responses/{RID}" for r in api.requests)
    assert api.query() == {"account_id": "7"}
    assert fake_time.sleeps == pytest.approx([0.2, 0.3, 0.45])


def test_no_sleep_when_already_terminal(call: Call, api: FakeApi, fake_time: FakeTime) -> None:
    api.queue(ok(response("succeeded")))

    call("responses.wait", RID, account_id=7)

    assert fake_time.sleeps == []


def test_interval_is_capped(call: Call, api: FakeApi, fake_time: FakeTime) -> None:
    api.queue(*[ok(response("running"))] * 6, ok(response("succeeded")))

    call("responses.wait", RID, account_id=7, poll_interval=1.0, max_poll_interval=2.0)

    assert fake_time.sleeps == pytest.approx([1.0, 1.5, 2.0, 2.0, 2.0, 2.0])


def test_timeout_raises_with_the_last_snapshot(
    call: Call, api: FakeApi, fake_time: FakeTime
) -> None:
    api.queue(*[ok(response("running"))] * 4)

    with pytest.raises(WaitTimeoutError) as caught:
        call("responses.wait", RID, account_id=7, timeout=2.0, poll_interval=1.0)

    assert caught.value.response_id == RID
    assert caught.value.last.status == "running"
    assert "still 'running'" in str(caught.value)
    # 1.0, then 1.5 cut down to the 1.0 left, then the deadline has passed.
    assert fake_time.sleeps == pytest.approx([1.0, 1.0])
    assert len(api.requests) == 3


def test_zero_timeout_polls_once(call: Call, api: FakeApi) -> None:
    api.queue(ok(response("queued")))

    with pytest.raises(WaitTimeoutError):
        call("responses.wait", RID, account_id=7, timeout=0)

    assert len(api.requests) == 1


def test_errors_while_polling_propagate(call: Call, api: FakeApi) -> None:
    api.queue(ok(response("running")), error(404, "Response not found"))

    with pytest.raises(NotFoundError):
        call("responses.wait", RID, account_id=7)


@pytest.mark.parametrize(
    "kwargs", [{"timeout": -1}, {"poll_interval": 0}, {"max_poll_interval": 0}]
)
def test_invalid_schedule(client: ClearStreet, api: FakeApi, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        client.v1.omni_ai.responses.wait(RID, account_id=7, **kwargs)
    assert api.requests == []


async def test_async_wait(aclient: AsyncClearStreet, api: FakeApi, fake_time: FakeTime) -> None:
    api.queue(ok(response("running")), ok(response("succeeded")))

    result = await aclient.v1.omni_ai.responses.wait(RID, account_id=7)

    assert result.data.status == "succeeded"
    assert fake_time.sleeps == [0.5]
