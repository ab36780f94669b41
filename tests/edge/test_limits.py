"""Size and pace limits: 413 before the body is read, 408 for a stalled body, 422 per field."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from omni_server.settings import Settings
from tests.api.test_errors import assert_error, start, thread_count
from tests.conftest import fast_settings
from tests.edge.conftest import read_response, served_with
from tests.support import Harness, running_app, sqlite_url, wait_terminal

API = "/v1/omni-ai"
TYPE = "Failed to deserialize the JSON body into the target type: "


def test_defaults_are_documented_values() -> None:
    settings = Settings()
    assert settings.max_body_bytes == 1024 * 1024
    assert settings.max_text_chars == 32_000
    assert settings.key_cache_seconds <= 1
    assert settings.lock_timeout == 1.0
    assert settings.header_timeout == 10.0


async def test_a_declared_body_over_the_limit_is_refused(harness: Harness) -> None:
    text = "x" * (1024 * 1024)
    r = await harness.client.post(
        f"{API}/threads", json={"type": "instant", "account_id": 1, "text": text}
    )
    assert_error(r, 413, "Request body is larger than 1048576 bytes")
    assert await thread_count(harness) == 0


def _chunked_head(port: int, key: str) -> bytes:
    return (
        f"POST {API}/threads HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()


def test_a_streamed_body_is_refused_as_soon_as_it_passes_the_limit(tmp_path: Path) -> None:
    settings = fast_settings(sqlite_url(tmp_path), max_body_bytes=10_000)
    with (
        served_with(settings) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock,
    ):
        sock.sendall(_chunked_head(server.port, server.key))
        piece = b" " * 4096
        for _ in range(4):  # 16 KiB, and the body never ends: only the limit can answer
            sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        status, answer = read_response(sock)
    assert status == 413
    assert b"Request body is larger than 10000 bytes" in answer


def test_a_stalled_body_is_refused(tmp_path: Path) -> None:
    settings = fast_settings(sqlite_url(tmp_path), body_timeout=0.5)
    with (
        served_with(settings) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock,
    ):
        head = (
            f"POST {API}/threads HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {server.key}\r\n"
            "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        )
        began = time.monotonic()
        sock.sendall(head.encode())
        status, answer = read_response(sock)
        assert time.monotonic() - began < 8
    assert status == 408
    assert b"Request body was not received in time" in answer


def test_an_oversized_request_head_is_refused(tmp_path: Path) -> None:
    settings = fast_settings(sqlite_url(tmp_path), max_header_bytes=4096)
    with (
        served_with(settings) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock,
    ):
        fits = f"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {'a' * 3000}\r\n\r\n"
        sock.sendall(fits.encode())
        assert read_response(sock)[0] == 200
        sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {'a' * 8000}\r\n\r\n".encode())
        status, _ = read_response(sock)
        assert status == 400
        assert sock.recv(1) == b""  # and the connection is closed


def thread_body(**fields: Any) -> dict[str, Any]:
    return {"type": "instant", "account_id": 1, "text": "hello", **fields}


DEEP = {"type": "deep_insights", "target": {"type": "ticker", "ticker": "NVDA"}}


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        (thread_body(text="a" * 32_001), "text: must be at most 32000 characters"),
        (
            thread_body(**DEEP, thesis="b" * 32_001),
            "thesis: must be at most 32000 characters",
        ),
        (
            thread_body(type="deep_insights", target={"type": "ticker", "ticker": "T" * 81}),
            "target.ticker: must be at most 80 characters",
        ),
    ],
)
async def test_turn_fields_over_their_limits(
    any_harness: Harness, body: dict[str, Any], rule: str
) -> None:
    r = await any_harness.client.post(f"{API}/threads", json=body)
    assert_error(r, 422, TYPE + rule)
    assert await thread_count(any_harness) == 0


async def test_turn_fields_at_their_limits_are_accepted(any_harness: Harness) -> None:
    r = await any_harness.client.post(f"{API}/threads", json=thread_body(text="a" * 32_000))
    assert r.status_code == 200, r.text
    await wait_terminal(any_harness.client, r.json()["data"]["response_id"])
    deep = thread_body(type="deep_insights", target={"type": "ticker", "ticker": "T" * 80})
    r = await any_harness.client.post(f"{API}/threads", json=deep)
    assert r.status_code == 200, r.text
    thread = await any_harness.client.get(
        f"{API}/threads/{r.json()['data']['thread_id']}", params={"account_id": 1}
    )
    assert len(thread.json()["data"]["title"]) <= len("Deep insights: ") + 80


async def test_message_text_over_its_limit(any_harness: Harness) -> None:
    created = await start(any_harness)
    await wait_terminal(any_harness.client, created["response_id"])
    r = await any_harness.client.post(
        f"{API}/threads/{created['thread_id']}/messages",
        json={"account_id": 1, "text": "c" * 32_001},
    )
    assert_error(r, 422, TYPE + "text: must be at most 32000 characters")


async def test_feedback_comment_and_metadata_limits(any_harness: Harness) -> None:
    created = await start(any_harness)
    done = await wait_terminal(any_harness.client, created["response_id"])
    url = f"{API}/messages/{done['output_message_id']}/feedback"
    r = await any_harness.client.post(
        url, json={"account_id": 1, "score": 1, "comment": "d" * 4_001}
    )
    assert_error(r, 422, TYPE + "comment: must be at most 4000 characters")
    big = {"k": "e" * (16 * 1024)}
    r = await any_harness.client.post(url, json={"account_id": 1, "score": 1, "metadata": big})
    assert_error(r, 422, TYPE + "metadata: compact JSON must be at most 16384 bytes")
    fits = {"k": "e" * (16 * 1024 - len(json.dumps({"k": ""}, separators=(",", ":"))))}
    r = await any_harness.client.post(
        url, json={"account_id": 1, "score": 1, "comment": "d" * 4_000, "metadata": fits}
    )
    assert r.status_code == 200, r.text


async def test_limits_follow_their_settings(tmp_path: Path) -> None:
    settings = fast_settings(
        sqlite_url(tmp_path), max_text_chars=10, max_context_bytes=200, max_body_bytes=2_000
    )
    async with running_app(settings) as h:
        r = await h.client.post(f"{API}/threads", json=thread_body(text="a" * 11))
        assert_error(r, 422, TYPE + "text: must be at most 10 characters")
        item = {"kind": "k", "label": "l", "data": {"v": "f" * 300}}
        r = await h.client.post(f"{API}/threads", json=thread_body(context={"items": [item]}))
        assert_error(r, 422, TYPE + "context: compact JSON must be at most 200 bytes")
        r = await h.client.post(f"{API}/threads", json=thread_body(pad="g" * 2_000))
        assert_error(r, 413, "Request body is larger than 2000 bytes")
        assert await thread_count(h) == 0


def _closed_within(sock: socket.socket, seconds: float) -> float | None:
    """How long until the server closes ``sock`` (``None`` if it stays open ``seconds``)."""
    began = time.monotonic()
    sock.settimeout(seconds)
    try:
        data = sock.recv(1)
    except TimeoutError:
        return None
    assert data == b""
    return time.monotonic() - began


def test_a_slow_or_silent_request_head_is_cut_off(tmp_path: Path) -> None:
    settings = fast_settings(sqlite_url(tmp_path), header_timeout=0.5)
    with served_with(settings) as server:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as silent:
            assert _closed_within(silent, 8) is not None  # connected, sent nothing
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as trickle:
            trickle.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never ends its head
            time.sleep(0.2)
            trickle.sendall(b"X-One: 1\r\n")
            assert _closed_within(trickle, 8) is not None
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as kept:
            kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_response(kept)[0] == 200  # a prompt head is served
            kept.sendall(b"GET /healthz HTTP/1.1\r\n")  # the next request stalls in its head
            assert _closed_within(kept, 8) is not None


def test_a_prompt_client_is_not_cut_off(tmp_path: Path) -> None:
    settings = fast_settings(sqlite_url(tmp_path), header_timeout=1.0)
    with (
        served_with(settings) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock,
    ):
        for _ in range(3):  # heads sent at once, spread over more than the timeout in all
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert read_response(sock)[0] == 200
            time.sleep(0.4)
