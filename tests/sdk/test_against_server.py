"""The client against the real server: in process (ASGI) and over a real socket.

These are the end-to-end checks that the wire models, errors and helpers agree with what
``omni_server`` actually sends. The built-in engine's ``!omni:`` directives drive turns that
hang or take time, so cancel and conflicts can be exercised deterministically.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from clear_street import (
    AsyncClearStreet,
    AuthenticationError,
    BadRequestError,
    ClearStreet,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
)
from clear_street import types as t
from tests.conftest import fast_settings
from tests.support import Harness, running_app, sqlite_url

ACCOUNT = 1
FAST: dict[str, Any] = {"poll_interval": 0.01, "max_poll_interval": 0.05, "timeout": 30.0}


class CountingTransport(httpx.AsyncBaseTransport):
    """Forwards to the app and counts attempts, to see retries (or their absence)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.sent: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return await self.inner.handle_async_request(request)


@pytest.fixture
async def wire(harness: Harness) -> CountingTransport:
    return CountingTransport(httpx.ASGITransport(app=harness.app))


@pytest.fixture
async def omni(harness: Harness, wire: CountingTransport) -> AsyncIterator[AsyncClearStreet]:
    http = httpx.AsyncClient(transport=wire)
    async with AsyncClearStreet(
        api_key=harness.key, base_url="http://omni.test", http_client=http
    ) as c:
        yield c
    await http.aclose()


async def start_turn(omni: AsyncClearStreet, text: str) -> t.CreateThreadResponse:
    created = await omni.v1.omni_ai.threads.create_thread(
        type="instant", account_id=ACCOUNT, text=text
    )
    return created.data


async def test_a_full_turn(omni: AsyncClearStreet) -> None:
    ai = omni.v1.omni_ai
    turn = await start_turn(omni, "What is the current price of AAPL?")

    done = await ai.responses.wait(turn.response_id, account_id=ACCOUNT, **FAST)

    assert done.data.status == "succeeded"
    assert done.data.thread_id == turn.thread_id
    assert done.data.output_message_id is not None
    history = await ai.threads.get_messages(turn.thread_id, account_id=ACCOUNT)
    assert [(m.seq, m.role, m.outcome) for m in history.data] == [
        (1, "USER", "completed"),
        (2, "ASSISTANT", "completed"),
    ]
    assert history.data[0].id == turn.user_message_id
    assert not any(isinstance(p, t.ContentPartThinking) for p in history.data[1].content.parts)
    answer = await ai.messages.get_message_by_id(done.data.output_message_id, account_id=ACCOUNT)
    assert answer.data.seq == 2
    thread = await ai.threads.get_thread_by_id(turn.thread_id, account_id=ACCOUNT)
    assert thread.data.title == "What is the current price of AAPL?"
    assert thread.data.updated_at >= thread.data.created_at
    idle = await ai.threads.get_thread_response(turn.thread_id, account_id=ACCOUNT)
    assert idle.data is None


async def test_a_second_turn_while_one_is_active_conflicts_without_retries(
    omni: AsyncClearStreet, wire: CountingTransport
) -> None:
    ai = omni.v1.omni_ai
    turn = await start_turn(omni, "think forever !omni:hang")
    before = len(wire.sent)

    with pytest.raises(ConflictError) as caught:
        await ai.threads.create_message(turn.thread_id, text="and now?", account_id=ACCOUNT)

    assert len(wire.sent) == before + 1
    assert caught.value.message == "thread already has an active response"
    assert caught.value.details == [{"active_response_id": turn.response_id}]
    assert caught.value.request_id == caught.value.response.headers["x-request-id"]
    active = await ai.threads.get_thread_response(turn.thread_id, account_id=ACCOUNT)
    assert active.data is not None and active.data.id == turn.response_id


async def test_cancel_is_synchronous_and_idempotent(omni: AsyncClearStreet) -> None:
    ai = omni.v1.omni_ai
    turn = await start_turn(omni, "think forever !omni:hang")

    first = await ai.responses.cancel_response(turn.response_id, account_id=ACCOUNT)
    snapshot = await ai.responses.get_response_by_id(turn.response_id, account_id=ACCOUNT)
    again = await ai.responses.cancel_response(turn.response_id, account_id=ACCOUNT)

    assert first.data.canceled is True
    assert snapshot.data.status == "canceled"
    assert again.data.canceled is True
    waited = await ai.responses.wait(turn.response_id, account_id=ACCOUNT, **FAST)
    assert waited.data.status == "canceled"
    history = await ai.threads.get_messages(turn.thread_id, account_id=ACCOUNT)
    assert history.data[-1].outcome == "canceled"
    follow_up = await ai.threads.create_message(
        turn.thread_id, text="ok, then?", account_id=ACCOUNT
    )
    assert follow_up.data.thread_id == turn.thread_id


async def test_errors_carry_the_servers_message_and_request_id(
    omni: AsyncClearStreet, wire: CountingTransport
) -> None:
    ai = omni.v1.omni_ai

    with pytest.raises(NotFoundError) as missing:
        await ai.threads.get_thread_by_id(str(uuid.uuid4()), account_id=ACCOUNT)
    with pytest.raises(PermissionDeniedError) as foreign:
        await ai.threads.get_threads(account_id=999)
    with pytest.raises(BadRequestError) as malformed:
        await ai.responses.get_response_by_id("not-a-uuid", account_id=ACCOUNT)
    with pytest.raises(AuthenticationError):
        await omni.with_options(api_key="wrong").v1.omni_ai.threads.get_threads(account_id=ACCOUNT)

    assert missing.value.message == "Thread not found"
    assert foreign.value.message == (
        "The caller does not have permission to execute the specified operation"
    )
    assert malformed.value.message.startswith("Invalid URL")
    assert missing.value.request_id
    assert missing.value.request_id == missing.value.response.headers["x-request-id"]


async def test_feedback_on_the_answer(omni: AsyncClearStreet) -> None:
    ai = omni.v1.omni_ai
    turn = await start_turn(omni, "Rate me")
    done = await ai.responses.wait(turn.response_id, account_id=ACCOUNT, **FAST)
    assert done.data.output_message_id is not None

    feedback = await ai.messages.submit_feedback(
        done.data.output_message_id, score=1, account_id=ACCOUNT, comment="ok"
    )

    assert feedback.data.created_at.tzinfo is not None


async def test_idempotency_key_replays_the_first_answer(omni: AsyncClearStreet) -> None:
    threads = omni.v1.omni_ai.threads
    key = {"Idempotency-Key": str(uuid.uuid4())}

    first = await threads.create_thread(
        type="instant", account_id=ACCOUNT, text="once", extra_headers=key
    )
    second = await threads.create_thread(
        type="instant", account_id=ACCOUNT, text="once", extra_headers=key
    )

    assert second.data == first.data


async def test_entitlements_round_trip(omni: AsyncClearStreet) -> None:
    ents = omni.v1.omni_ai.entitlements
    code: t.EntitlementCode = "omni.account_data"

    agreements = await ents.get_entitlement_agreements()
    agreement = agreements.data[0]
    off = await ents.opt_out_entitlements(account_ids=[ACCOUNT], entitlement_codes=[code])
    grants = await ents.create_entitlements(
        account_ids=[ACCOUNT], agreement_id=agreement.agreement_id, entitlement_codes=[code]
    )
    status = await ents.get_entitlement_status(account_id=ACCOUNT)
    revoked = await ents.delete_entitlement(grants.data[0].entitlement_id)

    assert agreement.agreement_key == "omni_account_data_access"
    assert [s.enabled for s in off.data] == [False]
    assert [s.enabled for s in status.data] == [True]
    assert revoked.data.revoked is True


async def test_iterators_walk_every_page(omni: AsyncClearStreet) -> None:
    ai = omni.v1.omni_ai
    turn = await start_turn(omni, "first")
    await ai.responses.wait(turn.response_id, account_id=ACCOUNT, **FAST)
    for text in ("second", "third"):
        more = await ai.threads.create_message(turn.thread_id, text=text, account_id=ACCOUNT)
        await ai.responses.wait(more.data.response_id, account_id=ACCOUNT, **FAST)
    other = await start_turn(omni, "another thread")
    await ai.responses.wait(other.response_id, account_id=ACCOUNT, **FAST)

    seqs = [
        m.seq
        async for m in ai.threads.iter_messages(turn.thread_id, account_id=ACCOUNT, page_size=2)
    ]
    ids = [th.id async for th in ai.threads.iter_threads(account_id=ACCOUNT, page_size=1)]

    assert seqs == [6, 5, 4, 3, 2, 1]
    assert ids == [other.thread_id, turn.thread_id]


# Over a real socket, with the blocking client.


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The app served by uvicorn on a free local port; yields its URL and an API key."""
    import uvicorn

    from omni_server.app import create_app

    settings = fast_settings(sqlite_url(tmp_path))

    async def make_key() -> str:
        async with running_app(settings) as h:
            return h.key

    key = asyncio.run(make_key())
    port = free_port()
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="none",
        loop="asyncio",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started:
                break
            threading.Event().wait(0.01)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}", key
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_blocking_client_over_a_socket(
    live_server: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    base_url, key = live_server
    monkeypatch.setenv("CLEAR_STREET_BASE_URL", base_url)
    monkeypatch.setenv("CLEAR_STREET_API_KEY", key)

    with ClearStreet() as client:
        ai = client.v1.omni_ai
        created = ai.threads.create_thread(
            type="instant", account_id=ACCOUNT, text="Hello over TCP"
        )
        done = ai.responses.wait(created.data.response_id, account_id=ACCOUNT, **FAST)
        messages = list(ai.threads.iter_messages(created.data.thread_id, account_id=ACCOUNT))
        canceled = ai.responses.cancel_response(created.data.response_id, account_id=ACCOUNT)

    assert done.data.status == "succeeded"
    assert [m.seq for m in messages] == [2, 1]
    assert canceled.data.canceled is False
    assert "canceled=False" in str(canceled)
