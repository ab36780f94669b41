"""``omni worker`` in this process (so coverage sees it), on a real SQLite file and socket.

The real-process, multi-worker scenarios are in ``tests/e2e/test_scale.py``; here the same
code is driven directly: probes and metrics over HTTP, a turn run to its end, and a SIGTERM
drain whose grace runs out.
"""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import httpx

from omni_server.domain.ids import utcnow
from omni_server.domain.lifecycle import ResponseStatus
from omni_server.domain.models import Mode, TurnRequest
from omni_server.store import migrate
from omni_server.store.db import Database
from omni_server.store.queries import QueryStore
from omni_server.store.turns import TurnStore
from omni_server.worker.process import run_worker
from tests.conftest import fast_settings
from tests.e2e.conftest import free_port
from tests.support import sqlite_url, wait_for


async def test_worker_runs_turns_serves_probes_and_drains_on_sigterm(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    db = Database.open(url)
    await migrate.upgrade(db.writer)
    turns, queries = TurnStore(db), QueryStore(db)
    port = free_port()
    settings = fast_settings(url, max_running=2, shutdown_grace=0.5)
    worker = asyncio.create_task(run_worker(settings, host="127.0.0.1", port=port))
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:

            async def ready() -> bool:
                try:
                    return (await client.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await wait_for(ready, timeout=20)
            assert (await client.get("/healthz")).json() == {"status": "ok", "running": 0}
            metrics = await client.get("/metrics")
            assert metrics.status_code == 200 and "# TYPE" in metrics.text

            def request(text: str) -> TurnRequest:
                return TurnRequest(mode=Mode.INSTANT, text=text)

            done = await turns.create_thread(account_id=1, request=request("hi"), now=utcnow())
            hang = await turns.create_thread(
                account_id=1, request=request("!omni:hang"), now=utcnow()
            )

            async def status(response_id: object) -> ResponseStatus | None:
                found = await queries.response(response_id)  # type: ignore[arg-type]
                return None if found is None else found.status

            async def finished() -> bool:
                return await status(done.response_id) is ResponseStatus.SUCCEEDED

            async def hanging() -> bool:
                return await status(hang.response_id) is ResponseStatus.RUNNING

            await wait_for(finished)
            await wait_for(hanging)
            scraped = (await client.get("/metrics")).text
            assert 'omni_responses_active{status="running"} 1.0' in scraped
            assert 'omni_responses_active{status="queued"} 0.0' in scraped
            assert 'omni_responses_total{status="succeeded"}' in scraped

            os.kill(os.getpid(), signal.SIGTERM)

            async def draining() -> bool:
                return (await client.get("/readyz")).status_code == 503

            await wait_for(draining, timeout=5)
        await asyncio.wait_for(worker, timeout=20)
        final = await queries.response(hang.response_id)
        assert final is not None and final.status is ResponseStatus.FAILED
        assert final.error is not None and final.error.code == "worker_lost"
    finally:
        worker.cancel()
        await db.close()
