"""The official ``clearstreet`` SDK (PyPI 0.11.0) against ``omni serve`` running as a real process.

The official SDK's import name is ``clearstreet``; ours is ``clear_street``, so both live in the
same environment and this file imports the official one directly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import clearstreet
import httpx
import pytest
from clearstreet import ClearStreet
from clearstreet.types.v1.omni_ai import Message, Response

from tests.e2e.conftest import OmniServer, create_key, make_server, poll, print_log_on_failure

TERMINAL = {"succeeded", "failed", "canceled"}
UNAUTHENTICATED = "The request does not have valid authentication credentials for the operation"
FORBIDDEN = "The caller does not have permission to execute the specified operation"


@pytest.fixture(scope="module")
def omni(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OmniServer, str]]:
    """One server for the module, and a key for accounts 1 and 2 made with the CLI."""
    server = make_server(tmp_path_factory.mktemp("sdk"), chunk_delay=0.005, progress_interval=0.05)
    key = create_key(server.database, 1, 2)
    server.start()
    yield server, key
    server.stop()


@pytest.fixture(autouse=True)
def _server_log(request: pytest.FixtureRequest, omni: tuple[OmniServer, str]) -> Iterator[None]:
    server = omni[0]
    since = server.log_size()
    yield
    print_log_on_failure(request, server, since)


class Requests:
    """Counts the requests an httpx client sends, by method and path."""

    def __init__(self) -> None:
        self.seen: Counter[tuple[str, str]] = Counter()

    def __call__(self, request: httpx.Request) -> None:
        self.seen[(request.method, request.url.path)] += 1


@pytest.fixture
def sent() -> Requests:
    return Requests()


@pytest.fixture
def client(omni: tuple[OmniServer, str], sent: Requests) -> Iterator[ClearStreet]:
    server, key = omni
    http = httpx.Client(event_hooks={"request": [sent]})
    with ClearStreet(
        api_key=key,
        base_url=server.url,
        http_client=http,
        max_retries=2,
        # Every answer must parse into the SDK's own models, not just be tolerated by them.
        _strict_response_validation=True,
    ) as c:
        yield c


def wait_terminal(client: ClearStreet, response_id: str, account_id: int = 1) -> Response:
    def check() -> Response | None:
        responses = client.v1.omni_ai.responses
        data = responses.get_response_by_id(response_id, account_id=account_id).data
        return data if data.status in TERMINAL else None

    return poll(check, what=f"response {response_id} to end")


def text_of(parts: Any) -> str:
    return "".join(p.text for p in parts if p.type == "text")


def partial_text(client: ClearStreet, response_id: str) -> str:
    """Wait until a running response shows some streamed text; return it."""

    def check() -> str | None:
        data = client.v1.omni_ai.responses.get_response_by_id(response_id, account_id=1).data
        assert data.status in ("queued", "running"), data
        return text_of(data.content.parts) if data.content else None

    return poll(check, what="partial text")


def history(client: ClearStreet, thread_id: str, account_id: int = 1) -> list[Message]:
    return client.v1.omni_ai.threads.get_messages(thread_id, account_id=account_id).data


def test_turn_to_completion(client: ClearStreet) -> None:
    ai = client.v1.omni_ai
    prompt = "What is the price of AAPL?"
    created = ai.threads.create_thread(type="instant", account_id=1, text=prompt).data
    final = wait_terminal(client, created.response_id)
    assert final.status == "succeeded"
    assert final.error is None
    assert (final.thread_id, final.user_message_id) == (created.thread_id, created.user_message_id)
    assert final.output_message_id

    page = ai.threads.get_messages(created.thread_id, account_id=1)
    assert page.metadata.next_page_token is None
    assert page.metadata.previous_page_token is None
    user, assistant = page.data
    assert (user.seq, user.role, user.outcome) == (1, "USER", "completed")
    assert user.id == created.user_message_id
    assert text_of(user.content.parts) == prompt
    assert (assistant.seq, assistant.role, assistant.outcome) == (2, "ASSISTANT", "completed")
    assert assistant.id == final.output_message_id
    assert "AAPL" in text_of(assistant.content.parts)
    assert all(p.type != "thinking" for p in assistant.content.parts)
    assert ai.messages.get_message_by_id(assistant.id, account_id=1).data == assistant

    thread = ai.threads.get_thread_by_id(created.thread_id, account_id=1).data
    assert (thread.id, thread.title) == (created.thread_id, prompt)
    assert created.thread_id in [t.id for t in ai.threads.get_threads(account_id=1).data]
    assert ai.threads.get_thread_response(created.thread_id, account_id=1).data is None

    follow = ai.threads.create_message(created.thread_id, account_id=1, text="And MSFT?").data
    assert follow.thread_id == created.thread_id
    assert wait_terminal(client, follow.response_id).status == "succeeded"
    messages = history(client, created.thread_id)
    assert [(m.seq, m.role, m.outcome) for m in messages] == [
        (1, "USER", "completed"),
        (2, "ASSISTANT", "completed"),
        (3, "USER", "completed"),
        (4, "ASSISTANT", "completed"),
    ]


def test_history_pages_follow_the_sdk_tokens(client: ClearStreet) -> None:
    """Latest page first; ``next_page_token`` leads to older messages, ``previous`` back."""
    ai = client.v1.omni_ai
    created = ai.threads.create_thread(type="instant", account_id=1, text="hello").data
    wait_terminal(client, created.response_id)
    follow = ai.threads.create_message(created.thread_id, account_id=1, text="again").data
    wait_terminal(client, follow.response_id)

    seqs: list[list[int]] = []
    page = ai.threads.get_messages(created.thread_id, account_id=1, page_size=3)
    seqs.append([m.seq for m in page.data])
    assert page.metadata.previous_page_token is None
    token = page.metadata.next_page_token
    assert token is not None
    older = ai.threads.get_messages(created.thread_id, account_id=1, page_token=token)
    seqs.append([m.seq for m in older.data])
    assert seqs == [[2, 3, 4], [1]]
    assert older.metadata.next_page_token is None
    back = older.metadata.previous_page_token
    assert back is not None
    newer = ai.threads.get_messages(created.thread_id, account_id=1, page_token=back)
    assert [m.seq for m in newer.data] == [2, 3, 4]


def test_cancel_running_turn_keeps_partial_text(client: ClearStreet) -> None:
    ai = client.v1.omni_ai
    created = ai.threads.create_thread(type="instant", account_id=1, text="!omni:hang talk").data
    seen = partial_text(client, created.response_id)
    active = ai.threads.get_thread_response(created.thread_id, account_id=1).data
    assert active is not None
    assert (active.id, active.status) == (created.response_id, "running")

    assert ai.responses.cancel_response(created.response_id, account_id=1).data.canceled is True

    # Synchronous cancel: no waiting, the response is terminal and its message is in the history.
    final = ai.responses.get_response_by_id(created.response_id, account_id=1).data
    assert final.status == "canceled"
    user, assistant = history(client, created.thread_id)
    assert (user.seq, assistant.seq) == (1, 2)
    assert (assistant.role, assistant.outcome) == ("ASSISTANT", "canceled")
    assert assistant.id == final.output_message_id
    assert text_of(assistant.content.parts).startswith(seen)
    assert all(p.type != "thinking" for p in assistant.content.parts)
    assert final.content is not None
    visible = [p for p in final.content.parts if p.type != "thinking"]
    assert [p.to_dict() for p in assistant.content.parts] == [p.to_dict() for p in visible]

    again = ai.responses.cancel_response(created.response_id, account_id=1).data
    assert again.canceled is True
    assert ai.messages.get_message_by_id(assistant.id, account_id=1).data == assistant
    assert ai.threads.get_thread_response(created.thread_id, account_id=1).data is None
    assert len(history(client, created.thread_id)) == 2


def test_cancel_after_success_reports_not_canceled(client: ClearStreet) -> None:
    ai = client.v1.omni_ai
    created = ai.threads.create_thread(type="instant", account_id=1, text="hello").data
    assert wait_terminal(client, created.response_id).status == "succeeded"
    assert ai.responses.cancel_response(created.response_id, account_id=1).data.canceled is False
    assert ai.responses.cancel_response(created.response_id, account_id=1).data.canceled is False
    final = ai.responses.get_response_by_id(created.response_id, account_id=1).data
    assert final.status == "succeeded"
    assert [m.outcome for m in history(client, created.thread_id)] == ["completed", "completed"]


@pytest.mark.parametrize(
    ("text", "code"),
    [("!omni:fail=engine_error", "engine_error"), ("!omni:crash", "internal")],
)
def test_failed_turn_reports_its_error(client: ClearStreet, text: str, code: str) -> None:
    ai = client.v1.omni_ai
    created = ai.threads.create_thread(type="instant", account_id=1, text=text).data
    final = wait_terminal(client, created.response_id)
    assert final.status == "failed"
    assert final.error is not None
    assert final.error.code == code
    assert "Traceback" not in final.error.message
    _user, assistant = history(client, created.thread_id)
    assert (assistant.outcome, assistant.id) == ("errored", final.output_message_id)
    assert assistant.error is not None
    assert (assistant.error.code, assistant.error.message) == (code, final.error.message)
    # The thread is not blocked and the server keeps serving.
    follow = ai.threads.create_message(created.thread_id, account_id=1, text="hello").data
    assert wait_terminal(client, follow.response_id).status == "succeeded"


def test_second_active_turn_conflicts_and_is_not_retried(
    client: ClearStreet, sent: Requests
) -> None:
    ai = client.v1.omni_ai
    created = ai.threads.create_thread(type="instant", account_id=1, text="!omni:hang").data
    path = f"/v1/omni-ai/threads/{created.thread_id}/messages"
    try:
        with pytest.raises(clearstreet.ConflictError) as caught:
            ai.threads.create_message(created.thread_id, account_id=1, text="another")
        error = caught.value
        assert error.status_code == 409
        assert error.response.headers["x-should-retry"] == "false"
        assert sent.seen[("POST", path)] == 1, "the SDK retried a 409"
        assert isinstance(error.body, dict)
        assert error.body["error"]["code"] == 409
        assert error.body["error"]["message"] == "thread already has an active response"
        assert error.body["error"]["details"] == [{"active_response_id": created.response_id}]
        assert error.response.headers["x-request-id"] == error.body["metadata"]["request_id"]
    finally:
        ai.responses.cancel_response(created.response_id, account_id=1)
    assert len(history(client, created.thread_id)) == 2


def test_account_not_granted_is_forbidden(client: ClearStreet, sent: Requests) -> None:
    ai = client.v1.omni_ai
    with pytest.raises(clearstreet.PermissionDeniedError) as caught:
        ai.threads.get_threads(account_id=3)
    assert caught.value.status_code == 403
    assert caught.value.body["error"]["message"] == FORBIDDEN  # type: ignore[index]
    with pytest.raises(clearstreet.PermissionDeniedError):
        ai.threads.create_thread(type="instant", account_id=3, text="hi")
    assert sent.seen[("POST", "/v1/omni-ai/threads")] == 1


def test_resources_of_another_granted_account_are_not_found(client: ClearStreet) -> None:
    ai = client.v1.omni_ai
    created = ai.threads.create_thread(type="instant", account_id=1, text="hello").data
    final = wait_terminal(client, created.response_id)
    assert final.output_message_id
    thread_id = created.thread_id
    attempts: list[tuple[Callable[[], object], str]] = [
        (lambda: ai.threads.get_thread_by_id(thread_id, account_id=2), "Thread not found"),
        (lambda: ai.threads.get_messages(thread_id, account_id=2), "Thread not found"),
        (lambda: ai.threads.get_thread_response(thread_id, account_id=2), "Thread not found"),
        (
            lambda: ai.threads.create_message(created.thread_id, account_id=2, text="x"),
            "Thread not found",
        ),
        (
            lambda: ai.responses.get_response_by_id(created.response_id, account_id=2),
            "Response not found",
        ),
        (
            lambda: ai.responses.cancel_response(created.response_id, account_id=2),
            "Response not found",
        ),
        (
            lambda: ai.messages.get_message_by_id(final.output_message_id or "", account_id=2),
            "Message not found",
        ),
    ]
    for attempt, message in attempts:
        with pytest.raises(clearstreet.NotFoundError) as caught:
            attempt()
        assert caught.value.status_code == 404
        assert caught.value.body["error"]["message"] == message  # type: ignore[index]
    assert created.thread_id not in [t.id for t in ai.threads.get_threads(account_id=2).data]
    # Nothing changed on account 1's side.
    assert len(history(client, created.thread_id)) == 2


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Authorization": "Bearer not-a-real-key"}, id="unknown"),
        pytest.param({"Authorization": "Basic dXNlcjpwYXNz"}, id="malformed"),
        pytest.param({"Authorization": clearstreet.omit}, id="missing"),
    ],
)
def test_invalid_credentials_are_unauthenticated(
    client: ClearStreet, sent: Requests, headers: dict[str, Any]
) -> None:
    with pytest.raises(clearstreet.AuthenticationError) as caught:
        client.v1.omni_ai.threads.get_threads(account_id=1, extra_headers=headers)
    assert caught.value.status_code == 401
    assert caught.value.body["error"]["message"] == UNAUTHENTICATED  # type: ignore[index]
    assert caught.value.response.headers["x-should-retry"] == "false"
    assert sent.seen[("GET", "/v1/omni-ai/threads")] == 1


def test_wrong_key_from_a_fresh_client(omni: tuple[OmniServer, str]) -> None:
    server, _key = omni
    with (
        ClearStreet(api_key="omni-wrong", base_url=server.url) as other,
        pytest.raises(clearstreet.AuthenticationError),
    ):
        other.v1.omni_ai.threads.create_thread(type="instant", account_id=1, text="hi")


def test_idle_thread_response_is_null(client: ClearStreet) -> None:
    ai = client.v1.omni_ai
    created = ai.threads.create_thread(type="instant", account_id=2, text="hello").data
    wait_terminal(client, created.response_id, account_id=2)
    idle = ai.threads.get_thread_response(created.thread_id, account_id=2)
    assert idle.data is None
    assert idle.metadata.request_id


def test_base_url_from_environment(
    omni: tuple[OmniServer, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``CLEAR_STREET_BASE_URL`` is enough to point the SDK at the server (the key is explicit:
    this SDK version reads no key from the environment)."""
    server, key = omni
    monkeypatch.setenv("CLEAR_STREET_BASE_URL", server.url)
    with ClearStreet(api_key=key) as env_client:
        page = env_client.v1.omni_ai.threads.get_threads(account_id=1, page_size=1)
    assert len(page.data) == 1
