"""Cancel, provider failures and timeouts, against a real server on a socket."""

from __future__ import annotations

import logging
import socket
import time
from pathlib import Path

import pytest

from tests.llm.conftest import llm_settings
from tests.llm.fake_provider import FakeProvider, Reply, chunk, text_reply
from tests.llm.helpers import API, ask, poll, start, text_of
from tests.support import Harness, running_app, sqlite_url, wait_for, wait_terminal


async def test_cancel_closes_the_upstream_stream_at_once(
    any_llm: Harness, provider: FakeProvider
) -> None:
    provider.script(Reply(chunks=[chunk("Thinking about it. ")], forever=True, delay=0.02))
    created = await start(any_llm)
    rid = created["response_id"]

    async def some_text() -> bool:
        return "tick" in text_of(await poll(any_llm, rid))

    await wait_for(some_text)
    canceled_at = time.monotonic()
    r = await any_llm.client.delete(f"{API}/responses/{rid}", params={"account_id": 1})
    assert r.status_code == 200 and r.json()["data"] == {"canceled": True}
    seen = await provider.wait_disconnect()
    assert seen.disconnected_at is not None
    assert seen.disconnected_at - canceled_at < 0.5
    final = await poll(any_llm, rid)
    assert final["status"] == "canceled"
    kept = text_of(final)
    assert kept.startswith("Thinking about it. tick ")
    sent_before_close = seen.events_sent
    r = await any_llm.client.get(
        f"{API}/messages/{final['output_message_id']}", params={"account_id": 1}
    )
    assert r.json()["data"]["content"]["parts"][0]["text"] == kept
    assert seen.events_sent == sent_before_close  # nothing read to its end


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (429, "The model provider answered 429 Too Many Requests."),
        (500, "The model provider answered 500 Internal Server Error."),
        (503, "The model provider answered 503 Service Unavailable."),
    ],
)
async def test_retryable_errors_are_retried_twice_then_fail_readably(
    llm: Harness,
    provider: FakeProvider,
    caplog: pytest.LogCaptureFixture,
    status: int,
    message: str,
) -> None:
    secret_body = '{"error": {"message": "quota exceeded for org-internal-42"}}'
    provider.script(Reply(status=status, body=secret_body, headers={"retry-after": "0"}))
    with caplog.at_level(logging.WARNING, logger="omni.engine.llm"):
        final = await ask(llm)
    assert final["status"] == "failed"
    assert final["error"] == {"code": "engine_error", "message": message}
    assert len(provider.received) == 3
    assert "org-internal-42" in caplog.text and final["id"] in caplog.text
    assert "sk-secret-test-key" not in caplog.text
    r = await llm.client.get(
        f"{API}/messages/{final['output_message_id']}", params={"account_id": 1}
    )
    assert "org-internal-42" not in r.text


async def test_a_retry_that_succeeds_answers_normally(llm: Harness, provider: FakeProvider) -> None:
    provider.script(Reply(status=429, headers={"retry-after": "0"}), text_reply("Recovered."))
    final = await ask(llm)
    assert final["status"] == "succeeded" and text_of(final) == "Recovered."
    assert len(provider.received) == 2


async def test_client_errors_are_not_retried(llm: Harness, provider: FakeProvider) -> None:
    provider.script(Reply(status=400, body='{"error": "bad model"}'))
    final = await ask(llm)
    assert final["error"] == {
        "code": "engine_error",
        "message": "The model provider answered 400 Bad Request.",
    }
    assert len(provider.received) == 1


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]"])
async def test_malformed_chunk_fails_the_turn(
    llm: Harness, provider: FakeProvider, raw: str
) -> None:
    provider.script(Reply(chunks=[chunk("Half an "), raw]))
    final = await ask(llm)
    assert final["status"] == "failed"
    assert final["error"] == {
        "code": "engine_error",
        "message": "The model provider sent a malformed answer.",
    }


async def test_error_event_in_the_stream_fails_the_turn(
    llm: Harness, provider: FakeProvider
) -> None:
    provider.script(Reply(chunks=[{"error": {"message": "model crashed"}}]))
    final = await ask(llm)
    assert final["error"]["code"] == "engine_error"
    assert "crashed" not in final["error"]["message"]


async def test_refused_connection_fails_after_retries(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    unreachable = FakeProvider()
    unreachable.port = port  # nothing listens there any more
    async with running_app(llm_settings(sqlite_url(tmp_path), unreachable)) as h:  # type: ignore[arg-type]
        started = time.monotonic()
        final = await ask(h)
    assert final["error"] == {
        "code": "engine_error",
        "message": "The model provider could not be reached.",
    }
    assert time.monotonic() - started >= 1.4  # two backoffs: 0.5 s then 1 s


async def test_provider_that_never_answers_times_out(
    provider: FakeProvider, tmp_path: Path
) -> None:
    provider.script(Reply(silent=True))
    settings = llm_settings(sqlite_url(tmp_path), provider, llm_timeout=0.5)
    async with running_app(settings) as h:  # type: ignore[arg-type]
        final = await ask(h)
        assert final["error"] == {
            "code": "timeout",
            "message": "The model provider did not start answering within 0.5 seconds.",
        }
        await provider.wait_disconnect()
    assert len(provider.received) == 1


async def test_provider_that_streams_forever_hits_the_turn_limit(
    provider: FakeProvider, tmp_path: Path
) -> None:
    provider.script(Reply(chunks=[chunk("On and ")], forever=True, delay=0.01))
    settings = llm_settings(sqlite_url(tmp_path), provider, turn_timeout=1.0)
    async with running_app(settings) as h:  # type: ignore[arg-type]
        created = await start(h)
        final = await wait_terminal(h.client, created["response_id"])
        assert final["status"] == "failed" and final["error"]["code"] == "timeout"
        assert text_of(final).startswith("On and tick")
        await provider.wait_disconnect()


async def test_first_token_deadline_does_not_cut_a_long_answer(
    provider: FakeProvider, tmp_path: Path
) -> None:
    provider.script(text_reply(*(["slow "] * 12), delay=0.1))
    settings = llm_settings(sqlite_url(tmp_path), provider, llm_timeout=0.5)
    async with running_app(settings) as h:  # type: ignore[arg-type]
        final = await ask(h)
    assert final["status"] == "succeeded" and text_of(final) == "slow " * 12


async def test_stream_ending_without_done_keeps_the_answer(
    llm: Harness, provider: FakeProvider
) -> None:
    provider.script(Reply(chunks=[chunk("All "), chunk("there.")], done=False))
    final = await ask(llm)
    assert final["status"] == "succeeded" and text_of(final) == "All there."


async def test_connection_dropped_mid_answer_fails_and_keeps_the_text(
    llm: Harness, provider: FakeProvider
) -> None:
    provider.script(Reply(chunks=[chunk("Half of it")], abort=True))
    final = await ask(llm)
    assert final["error"] == {
        "code": "engine_error",
        "message": "The connection to the model provider broke.",
    }
    assert text_of(final) == "Half of it"
    assert len(provider.received) == 1  # tokens had come: never retried


async def test_odd_status_and_retry_after_are_handled(llm: Harness, provider: FakeProvider) -> None:
    provider.script(Reply(status=502, headers={"retry-after": "soon"}), Reply(status=599))
    final = await ask(llm)
    assert final["error"] == {
        "code": "engine_error",
        "message": "The model provider answered 599.",
    }
