"""Scale-out on PostgreSQL as real processes: API servers without runners, separate workers.

Covers issue 9's scenarios: cancels committed by one server reach the worker running the turn
(through LISTEN/NOTIFY), a worker killed with turns running loses only its own turns (reaped as
``worker_lost`` within the lease bound by the surviving worker), a worker stopped with SIGTERM
lets its turns finish and exits 0, and a worker whose lease was taken over cannot write.
"""

from __future__ import annotations

import asyncio
import random
import signal
import time
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.e2e import scale_support
from tests.e2e.conftest import create_key, poll
from tests.e2e.scale_support import Cluster

pytestmark = pytest.mark.postgres

API = "/v1/omni-ai"
TERMINAL = {"succeeded", "failed", "canceled"}
OUTCOME = {"succeeded": "completed", "failed": "errored", "canceled": "canceled"}
LEASE = 2.0

postgres_url = scale_support.postgres_url
cluster = scale_support.cluster


# Idle connections are dropped by the client before the server's keep-alive (5 s) closes
# them, so a request never races the server's close on a reused connection.
LIMITS = httpx.Limits(keepalive_expiry=2.0)


def client(url: str, key: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key}"}
    return httpx.Client(base_url=url, headers=headers, timeout=15, limits=LIMITS)


def start_turn(c: httpx.Client, text: str, thread_id: str | None = None) -> dict[str, Any]:
    body = {"type": "instant", "account_id": 1, "text": text}
    if thread_id is None:
        r = c.post(f"{API}/threads", json=body)
    else:
        r = c.post(f"{API}/threads/{thread_id}/messages", json=body)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def response(c: httpx.Client, response_id: str) -> dict[str, Any]:
    r = c.get(f"{API}/responses/{response_id}", params={"account_id": 1})
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def wait_status(
    c: httpx.Client, response_id: str, statuses: set[str], timeout: float = 30
) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        data = response(c, response_id)
        return data if data["status"] in statuses else None

    return poll(check, timeout=timeout, what=f"{response_id} in {statuses}", interval=0.02)


def history(c: httpx.Client, thread_id: str) -> list[dict[str, Any]]:
    r = c.get(f"{API}/threads/{thread_id}/messages", params={"account_id": 1, "page_size": 100})
    assert r.status_code == 200, r.text
    messages: list[dict[str, Any]] = r.json()["data"]
    return messages


def check_history(c: httpx.Client, thread_id: str, statuses: list[str]) -> None:
    """Gapless seq, user/assistant pairs, one final message per turn agreeing with its status."""
    messages = history(c, thread_id)
    assert [m["seq"] for m in messages] == list(range(1, 2 * len(statuses) + 1)), messages
    for i, status in enumerate(statuses):
        user, assistant = messages[2 * i], messages[2 * i + 1]
        assert user["role"] == "USER"
        assert (assistant["role"], assistant["outcome"]) == ("ASSISTANT", OUTCOME[status])


def holder(cluster: Cluster, response_id: str) -> str | None:
    rows = cluster.rows("SELECT worker_id FROM responses WHERE id = $1::uuid", response_id)
    return rows[0]["worker_id"] if rows else None


def pid_of(worker_id: str | None) -> int | None:
    return int(worker_id.split(":")[1]) if worker_id else None


# -- cancels across processes ---------------------------------------------------------------


@pytest.mark.slow
async def test_turns_created_on_one_server_and_canceled_on_the_other(cluster: Cluster) -> None:
    """200 turns, each canceled through the other server at a random moment or once finished."""
    a, b = cluster.server(), cluster.server()
    # Cancels at random moments up to 0.6 s find turns queued, running and (rarely, as the
    # answers stream for longer under load) finished; every fourth turn is canceled only once
    # server b reports it terminal, so the finished case is always exercised, on any machine.
    for _ in range(2):
        cluster.worker(concurrency=16, max_running_per_account=16, chunk_delay=0.005)
    key = create_key(cluster.database, 1)
    headers = {"Authorization": f"Bearer {key}"}
    rng = random.Random(9)
    results: list[tuple[dict[str, Any], bool]] = []

    async with (
        httpx.AsyncClient(base_url=a.url, headers=headers, timeout=30, limits=LIMITS) as ca,
        httpx.AsyncClient(base_url=b.url, headers=headers, timeout=30, limits=LIMITS) as cb,
    ):
        gate = asyncio.Semaphore(20)

        async def finished(response_id: str) -> None:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                r = await cb.get(f"{API}/responses/{response_id}", params={"account_id": 1})
                assert r.status_code == 200, r.text
                if r.json()["data"]["status"] in TERMINAL:
                    return
                await asyncio.sleep(0.02)
            raise AssertionError(f"{response_id} did not finish within 30 s")

        async def one(i: int) -> None:
            text = "What is AAPL?" if i % 2 else "!omni:sleep=0.3"
            async with gate:
                r = await ca.post(
                    f"{API}/threads", json={"type": "instant", "account_id": 1, "text": text}
                )
                assert r.status_code == 200, r.text
                accepted = r.json()["data"]
                delay = rng.uniform(0, 0.6)  # drawn for every turn: seed 9's moments stay put
                if i % 4 == 1:
                    await finished(accepted["response_id"])
                else:
                    await asyncio.sleep(delay)
                d = await cb.delete(
                    f"{API}/responses/{accepted['response_id']}", params={"account_id": 1}
                )
                assert d.status_code == 200, d.text
                results.append((accepted, d.json()["data"]["canceled"]))

        await asyncio.gather(*(one(i) for i in range(200)))

    statuses: Counter[str] = Counter()
    with client(a.url, key) as c:
        for accepted, canceled in results:
            final = response(c, accepted["response_id"])
            assert final["status"] in TERMINAL
            assert canceled == (final["status"] == "canceled"), (final, canceled)
            statuses[final["status"]] += 1
            check_history(c, accepted["thread_id"], [final["status"]])
    # The cancels of finished turns changed nothing; the random ones caught turns mid-way.
    assert statuses["succeeded"] >= 50 and statuses["canceled"] > 0, statuses
    for worker in cluster.workers:
        assert httpx.get(f"{worker.url}/healthz").json()["running"] == 0


def test_cancel_on_one_server_stops_the_engine_on_a_worker(cluster: Cluster) -> None:
    a, b = cluster.server(), cluster.server()
    worker = cluster.worker()
    key = create_key(cluster.database, 1)
    with client(a.url, key) as ca, client(b.url, key) as cb:
        turn = start_turn(ca, "!omni:hang")
        wait_status(ca, turn["response_id"], {"running"})
        r = cb.delete(f"{API}/responses/{turn['response_id']}", params={"account_id": 1})
        assert r.json()["data"]["canceled"] is True
        line = f"engine stopped for response {turn['response_id']}"
        poll(lambda: line in worker.log_text(), timeout=10, what="the worker to stop the engine")
        assert httpx.get(f"{worker.url}/healthz").json()["running"] == 0
        check_history(ca, turn["thread_id"], ["canceled"])


# -- losing a worker --------------------------------------------------------------------------


@pytest.mark.slow
def test_sigkill_of_a_worker_fails_only_its_turns_within_the_lease(cluster: Cluster) -> None:
    api = cluster.server()
    doomed = cluster.worker(concurrency=2, lease_seconds=LEASE, max_running_per_account=2)
    key = create_key(cluster.database, 1)
    with client(api.url, key) as c:
        lost = [start_turn(c, "!omni:sleep=60") for _ in range(2)]
        for turn in lost:
            wait_status(c, turn["response_id"], {"running"})
            assert pid_of(holder(cluster, turn["response_id"])) == doomed.pid
        survivor = cluster.worker(concurrency=2, lease_seconds=LEASE, max_running_per_account=2)
        kept = [start_turn(c, "!omni:sleep=3") for _ in range(2)]
        for turn in kept:
            wait_status(c, turn["response_id"], {"running"})
            assert pid_of(holder(cluster, turn["response_id"])) == survivor.pid

        doomed.signal(signal.SIGKILL)
        killed = time.monotonic()
        # Lease plus one heartbeat (lease / 3), plus slack for a loaded machine.
        bound = LEASE + LEASE / 3 + 3.0
        for turn in lost:
            final = wait_status(c, turn["response_id"], TERMINAL, timeout=bound + 10)
            assert final["status"] == "failed" and final["error"]["code"] == "worker_lost"
            assert final["content"]["parts"], "partial content is kept"
        assert time.monotonic() - killed < bound
        for turn in kept:
            assert wait_status(c, turn["response_id"], TERMINAL)["status"] == "succeeded"

        again = start_turn(c, "What is AAPL?", thread_id=lost[0]["thread_id"])
        assert wait_status(c, again["response_id"], TERMINAL)["status"] == "succeeded"
        assert pid_of(holder(cluster, again["response_id"])) == survivor.pid
        check_history(c, lost[0]["thread_id"], ["failed", "succeeded"])


@pytest.mark.slow
def test_sigterm_lets_running_turns_finish_and_exits_zero(cluster: Cluster) -> None:
    api = cluster.server()
    worker = cluster.worker(concurrency=2, shutdown_grace=20, max_running_per_account=2)
    key = create_key(cluster.database, 1)
    with client(api.url, key) as c:
        running = [start_turn(c, "!omni:sleep=2") for _ in range(2)]
        for turn in running:
            wait_status(c, turn["response_id"], {"running"})
        waiting = start_turn(c, "queued behind the others")
        worker.signal(signal.SIGTERM)
        poll(
            lambda: httpx.get(f"{worker.url}/readyz").status_code == 503,
            what="the draining worker to answer 503 on /readyz",
        )
        assert worker.proc is not None
        assert worker.proc.wait(timeout=30) == 0
        for turn in running:
            assert response(c, turn["response_id"])["status"] == "succeeded"
        assert response(c, waiting["response_id"])["status"] == "queued"
        assert "draining: 2 turn(s) running" in worker.log_text()


@pytest.mark.slow
def test_sigterm_past_the_grace_fails_what_is_left_as_worker_lost(cluster: Cluster) -> None:
    api = cluster.server()
    worker = cluster.worker(concurrency=1, shutdown_grace=0.5, lease_seconds=60)
    key = create_key(cluster.database, 1)
    with client(api.url, key) as c:
        turn = start_turn(c, "!omni:hang")
        wait_status(c, turn["response_id"], {"running"})
        worker.signal(signal.SIGTERM)
        assert worker.proc is not None
        assert worker.proc.wait(timeout=30) == 0
        final = response(c, turn["response_id"])
        assert final["status"] == "failed" and final["error"]["code"] == "worker_lost"
        check_history(c, turn["thread_id"], ["failed"])


@pytest.mark.slow
def test_late_writes_of_a_worker_whose_lease_was_taken_over_change_nothing(
    cluster: Cluster,
) -> None:
    """A frozen worker (SIGSTOP) outlives its lease; the other worker reaps the turn. When the
    frozen one resumes, its engine still streams, but every write is fenced: the response and
    the thread stay as the reaper left them, and the worker drops that turn."""
    api = cluster.server()
    frozen = cluster.worker(concurrency=1, lease_seconds=LEASE, progress_interval=0.05)
    key = create_key(cluster.database, 1)
    with client(api.url, key) as c:
        turn = start_turn(c, "!omni:sleep=30")
        wait_status(c, turn["response_id"], {"running"})
        poll(lambda: response(c, turn["response_id"])["content"]["parts"], what="some text")
        frozen.signal(signal.SIGSTOP)
        cluster.worker(concurrency=1, lease_seconds=LEASE)
        reaped = wait_status(c, turn["response_id"], TERMINAL, timeout=30)
        assert reaped["error"]["code"] == "worker_lost"
        before = (reaped, history(c, turn["thread_id"]))

        frozen.signal(signal.SIGCONT)
        # Its next progress write (or heartbeat) matches no row, and it drops the turn.
        poll(
            lambda: httpx.get(f"{frozen.url}/healthz").json()["running"] == 0,
            timeout=15,
            what="the late worker to drop its turn",
        )
        assert (response(c, turn["response_id"]), history(c, turn["thread_id"])) == before


# -- several API processes on one port ------------------------------------------------------


@pytest.mark.slow
def test_serve_with_several_processes_shares_one_port_and_exits_zero(cluster: Cluster) -> None:
    api = cluster.server(workers=2)
    key = create_key(cluster.database, 1)
    cluster.worker()
    with client(api.url, key) as c:
        turn = start_turn(c, "What is AAPL?")
        assert wait_status(c, turn["response_id"], TERMINAL)["status"] == "succeeded"
    assert api.proc is not None
    api.proc.terminate()
    assert api.proc.wait(timeout=30) == 0
