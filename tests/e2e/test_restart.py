"""Stopping the server, by SIGKILL or SIGTERM, loses nothing acknowledged and blocks no thread.

The server runs at most 5 turns at once. Five turns that sleep 30 s fill those slots and have
streamed some text; fifteen more are queued behind them; a few clients keep creating threads
while the server is killed. After a restart on the same database and port, every acknowledged
turn ends: the ones that were running fail with ``worker_lost`` once their lease (2 s) expires
and keep the text they had saved, the queued ones run and succeed, and every thread, even one
whose creation was never acknowledged, has a gapless history with one final message per turn.

The kill test runs on SQLite and, when it is reachable, PostgreSQL. A graceful stop (SIGTERM)
ends its running turns itself, without waiting for the lease.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import OmniServer, ServerFactory, create_key, poll

pytestmark = pytest.mark.slow

API = "/v1/omni-ai"
TERMINAL = {"succeeded", "failed", "canceled"}
MAX_RUNNING = 5


QUEUED = 15
CREATORS = 4


def start_turn(client: httpx.Client, text: str) -> dict[str, Any]:
    r = client.post(f"{API}/threads", json={"type": "instant", "account_id": 1, "text": text})
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def response(client: httpx.Client, response_id: str) -> dict[str, Any]:
    r = client.get(f"{API}/responses/{response_id}", params={"account_id": 1})
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def wait_terminal(client: httpx.Client, response_id: str) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        data = response(client, response_id)
        return data if data["status"] in TERMINAL else None

    return poll(check, timeout=30, what=f"response {response_id} to end", interval=0.05)


def text_of(parts: list[dict[str, Any]]) -> str:
    return "".join(p["text"] for p in parts if p["type"] == "text")


def streamed_text(client: httpx.Client, response_id: str) -> str:
    def check() -> str | None:
        data = response(client, response_id)
        if data["status"] != "running" or not data["content"]:
            return None
        return text_of(data["content"]["parts"]) or None

    return poll(check, timeout=30, what=f"response {response_id} to stream text", interval=0.05)


def history(client: httpx.Client, thread_id: str) -> list[dict[str, Any]]:
    params = {"account_id": 1, "page_size": 100}
    r = client.get(f"{API}/threads/{thread_id}/messages", params=params)
    assert r.status_code == 200, r.text
    messages: list[dict[str, Any]] = r.json()["data"]
    return messages


def all_threads(client: httpx.Client) -> list[str]:
    ids: list[str] = []
    params: dict[str, Any] = {"account_id": 1, "page_size": 100}
    while True:
        body = client.get(f"{API}/threads", params=params).json()
        ids += [t["id"] for t in body["data"]]
        token = body["metadata"]["next_page_token"]
        if token is None:
            return ids
        params = {"account_id": 1, "page_token": token}


class Creators:
    """Clients that keep creating threads until the server goes away."""

    def __init__(self, server: OmniServer, key: str) -> None:
        self.acknowledged: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = server
        self._key = key
        self._threads = [threading.Thread(target=self._run, args=(i,)) for i in range(CREATORS)]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def join(self) -> None:
        for t in self._threads:
            t.join(timeout=30)

    def count(self) -> int:
        with self._lock:
            return len(self.acknowledged)

    def _run(self, index: int) -> None:
        headers = {"Authorization": f"Bearer {self._key}"}
        with httpx.Client(base_url=self._server.url, headers=headers, timeout=10) as client:
            n = 0
            while True:
                body = {"type": "instant", "account_id": 1, "text": f"creator {index} #{n}"}
                try:
                    r = client.post(f"{API}/threads", json=body)
                except httpx.TransportError:
                    return  # the server is gone: this request's fate is unknown
                if r.status_code != 200:
                    return
                with self._lock:
                    self.acknowledged.append(r.json()["data"])
                n += 1


def test_sigkill_and_restart_lose_nothing(server_factory: ServerFactory, database_url: str) -> None:
    server = server_factory(
        database=database_url,
        lease_seconds=2,
        max_running=MAX_RUNNING,
        max_running_per_account=MAX_RUNNING,
        chunk_delay=0.005,
        progress_interval=0.05,
        poll_interval=0.2,
    )
    key = create_key(server.database, 1)
    server.start()
    headers = {"Authorization": f"Bearer {key}"}
    client = httpx.Client(base_url=server.url, headers=headers, timeout=10)

    finished = [start_turn(client, f"done before {i}") for i in range(3)]
    before = {}
    for turn in finished:
        assert wait_terminal(client, turn["response_id"])["status"] == "succeeded"
        before[turn["thread_id"]] = history(client, turn["thread_id"])

    sleepers = [start_turn(client, f"!omni:sleep=30 long {i}") for i in range(MAX_RUNNING)]
    partial = {t["response_id"]: streamed_text(client, t["response_id"]) for t in sleepers}
    queued = [start_turn(client, f"queued {i}") for i in range(QUEUED)]
    # Every slot is held by a sleeper, so these wait.
    assert all(response(client, t["response_id"])["status"] == "queued" for t in queued)

    creators = Creators(server, key)
    creators.start()
    poll(
        lambda: creators.count() >= 10,
        timeout=30,
        what="threads created while the server runs",
        interval=0.05,
    )
    server.kill()
    creators.join()
    client.close()

    server.start()
    client = httpx.Client(base_url=server.url, headers=headers, timeout=10)
    started = time.monotonic()
    acknowledged = finished + sleepers + queued + creators.acknowledged
    finals = {t["response_id"]: wait_terminal(client, t["response_id"]) for t in acknowledged}
    print(
        f"{len(acknowledged)} acknowledged turns ({len(creators.acknowledged)} created during "
        f"the kill) all ended {time.monotonic() - started:.1f} s after the restart"
    )

    for turn in sleepers:
        final = finals[turn["response_id"]]
        assert final["status"] == "failed", final
        assert final["error"]["code"] == "worker_lost", final
    for turn in finished + queued + creators.acknowledged:
        assert finals[turn["response_id"]]["status"] == "succeeded", turn

    for turn in acknowledged:
        final = finals[turn["response_id"]]
        user, assistant = history(client, turn["thread_id"])
        assert (user["seq"], user["role"], user["id"]) == (1, "USER", turn["user_message_id"])
        assert (assistant["seq"], assistant["role"]) == (2, "ASSISTANT")
        assert assistant["id"] == final["output_message_id"]
        if turn in sleepers:
            assert assistant["outcome"] == "errored"
            assert assistant["error"]["code"] == "worker_lost"
            # What was saved before the kill is kept.
            assert text_of(assistant["content"]["parts"]).startswith(partial[turn["response_id"]])
        else:
            assert assistant["outcome"] == "completed"
    for thread_id, messages in before.items():
        assert history(client, thread_id) == messages

    # Threads whose creation was never acknowledged may exist; if so, they are whole.
    threads = all_threads(client)
    assert {t["thread_id"] for t in acknowledged} <= set(threads)
    for thread_id in set(threads) - {t["thread_id"] for t in acknowledged}:
        r = client.get(f"{API}/threads/{thread_id}/response", params={"account_id": 1})
        active = r.json()["data"]
        if active is not None:
            wait_terminal(client, active["id"])
        assert [(m["seq"], m["role"]) for m in history(client, thread_id)] == [
            (1, "USER"),
            (2, "ASSISTANT"),
        ]

    # A thread whose turn was lost is not blocked: it takes the next turn.
    thread_id = sleepers[0]["thread_id"]
    r = client.post(f"{API}/threads/{thread_id}/messages", json={"account_id": 1, "text": "again"})
    assert r.status_code == 200, r.text
    assert wait_terminal(client, r.json()["data"]["response_id"])["status"] == "succeeded"
    assert [m["seq"] for m in history(client, thread_id)] == [1, 2, 3, 4]
    client.close()


def test_sigterm_fails_running_turns_at_once_and_keeps_queued_ones(
    server_factory: ServerFactory,
) -> None:
    """A graceful stop gives its running turns the grace period (1 s here), then ends them as
    ``worker_lost`` itself (no lease wait: the lease here is a minute) and leaves queued turns
    for the next start."""
    server = server_factory(lease_seconds=60, max_running=1, chunk_delay=0.005, shutdown_grace=1)
    key = create_key(server.database, 1)
    server.start()
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
        running = start_turn(client, "!omni:hang")
        streamed_text(client, running["response_id"])
        waiting = start_turn(client, "queued behind the hang")
        assert response(client, waiting["response_id"])["status"] == "queued"

    stopped = time.monotonic()
    server.stop()
    assert server.proc is not None and server.proc.returncode == 0
    assert "Application shutdown complete" in server.log_text()
    assert time.monotonic() - stopped < 10

    server.start()
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
        final = response(client, running["response_id"])
        assert final["status"] == "failed", final
        assert final["error"]["code"] == "worker_lost"
        assert wait_terminal(client, waiting["response_id"])["status"] == "succeeded"
        for turn in (running, waiting):
            messages = history(client, turn["thread_id"])
            assert [(m["seq"], m["role"]) for m in messages] == [(1, "USER"), (2, "ASSISTANT")]
