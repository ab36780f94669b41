"""A PostgreSQL restart under load: no acknowledged turn lost, none active forever.

Clients keep creating turns through an API server while two workers run them; the database
restarts (``pg_ctlcluster ... restart``) in the middle. Requests that fail during the restart
were never acknowledged; every acknowledged turn must still end, and the workers' listening
connections come back by themselves. The server is shared with other test runs, so this test
is ``slow`` (run it sparingly) and always leaves the cluster running.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from typing import Any

import httpx
import pytest

from tests.e2e import scale_support
from tests.e2e.conftest import create_key, poll
from tests.e2e.scale_support import Cluster

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

postgres_url = scale_support.postgres_url
cluster = scale_support.cluster

API = "/v1/omni-ai"
TERMINAL = {"succeeded", "failed", "canceled"}
CLUSTER = ["15", "main"]


def pg_ctl(action: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", *CLUSTER, action],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def restartable() -> bool:
    if shutil.which("pg_ctlcluster") is None:
        return False
    return pg_ctl("status").returncode == 0


class Creators:
    """Threads that create turns until stopped; keeps what was acknowledged."""

    def __init__(self, url: str, key: str, count: int = 3) -> None:
        self.acknowledged: list[dict[str, Any]] = []
        self.failures = 0
        self._url, self._key = url, key
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(count)]

    def __enter__(self) -> Creators:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self._key}"}
        with httpx.Client(base_url=self._url, headers=headers, timeout=10) as c:
            while not self._stop.is_set():
                body = {"type": "instant", "account_id": 1, "text": "!omni:sleep=0.3"}
                try:
                    r = c.post(f"{API}/threads", json=body)
                except httpx.HTTPError:
                    r = None
                with self._lock:
                    if r is not None and r.status_code == 200:
                        self.acknowledged.append(r.json()["data"])
                    else:
                        self.failures += 1
                time.sleep(0.05)


def test_postgres_restart_under_load_loses_no_acknowledged_turn(cluster: Cluster) -> None:
    if not restartable():
        pytest.skip("this test restarts the local PostgreSQL cluster with pg_ctlcluster")
    api = cluster.server(lease_seconds=3)
    workers = [cluster.worker(concurrency=8, lease_seconds=3) for _ in range(2)]
    key = create_key(cluster.database, 1)
    try:
        with Creators(api.url, key) as creators:
            poll(lambda: len(creators.acknowledged) >= 10, timeout=60, what="load to build up")
            restarted = pg_ctl("restart")
            assert restarted.returncode == 0, restarted.stderr
            before = len(creators.acknowledged)
            poll(
                lambda: len(creators.acknowledged) >= before + 10,
                timeout=60,
                what="turns to be acknowledged again after the restart",
            )
    finally:
        if pg_ctl("status").returncode != 0:
            pg_ctl("start")

    with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {key}"}) as c:

        def status(response_id: str) -> str | None:
            try:
                r = c.get(f"{API}/responses/{response_id}", params={"account_id": 1})
            except httpx.HTTPError:
                return None
            return str(r.json()["data"]["status"]) if r.status_code == 200 else None

        for accepted in creators.acknowledged:
            poll(
                lambda a=accepted: status(a["response_id"]) in TERMINAL,
                timeout=60,
                what=f"acknowledged turn {accepted['response_id']} to end",
                interval=0.1,
            )
    for worker in workers:
        poll(lambda w=worker: "notification connection lost" in w.log_text(), timeout=5)
        assert worker.proc is not None and worker.proc.poll() is None
