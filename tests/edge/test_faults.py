"""Faults answered honestly: a locked SQLite file, a lost database file, a dropped PostgreSQL
connection, and an unexpected error that must not cost the client its connection."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.api.test_errors import start, thread_count
from tests.conftest import fast_settings
from tests.edge.conftest import Served, read_response
from tests.support import Harness, running_app, sqlite_url, wait_terminal

API = "/v1/omni-ai"
HOLD_LOCK = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()
connection.execute("ROLLBACK")
"""


@contextmanager
def another_process_holding_the_write_lock(path: Path) -> Iterator[None]:
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None and holder.stdin is not None
        try:
            assert holder.stdout.readline().strip() == "locked"
            yield
        finally:
            holder.stdin.close()
            holder.wait(timeout=10)


async def timed(coro: Any) -> tuple[float, Any]:
    began = time.perf_counter()
    result = await coro
    return time.perf_counter() - began, result


async def test_a_write_behind_another_process_lock_answers_503_while_reads_go_on(
    tmp_path: Path,
) -> None:
    async with running_app(fast_settings(sqlite_url(tmp_path), lock_timeout=1.0)) as h:
        done = await wait_terminal(h.client, (await start(h))["response_id"])
        assert done["status"] == "succeeded"
        with another_process_holding_the_write_lock(tmp_path / "omni.db"):
            write = asyncio.create_task(
                timed(
                    h.client.post(
                        f"{API}/threads",
                        json={"type": "instant", "account_id": 1, "text": "blocked"},
                    )
                )
            )
            await asyncio.sleep(0.05)
            latencies = []
            while not write.done():
                latency, health = await timed(h.client.get("/healthz"))
                assert health.status_code == 200
                latencies.append(latency)
                read_latency, listed = await timed(
                    h.client.get(f"{API}/threads", params={"account_id": 1})
                )
                assert listed.status_code == 200
                latencies.append(read_latency)
                await asyncio.sleep(0.02)
            elapsed, refused = await write
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["code"] == 503
        assert refused.headers["retry-after"] == "1"
        assert refused.headers["x-should-retry"] == "true"
        assert 0.9 <= elapsed < 5  # the bound is about a second, not SQLite's old 10 s
        assert len(latencies) >= 4 and max(latencies) < 0.5, latencies
        assert await thread_count(h) == 1  # nothing was written
        again = await h.client.post(
            f"{API}/threads", json={"type": "instant", "account_id": 1, "text": "now"}
        )
        assert again.status_code == 200


async def test_readyz_notices_a_deleted_or_replaced_database_file(tmp_path: Path) -> None:
    async with running_app(fast_settings(sqlite_url(tmp_path))) as h:
        ready = await h.client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ok", "database": "sqlite", "engine": "builtin"}
        path = tmp_path / "omni.db"
        moved = tmp_path / "moved.db"
        os.rename(path, moved)
        r = await h.client.get("/readyz")
        assert r.status_code == 503
        assert r.json() == {"status": "unavailable", "database": "file missing"}
        assert r.headers["retry-after"] == "5"
        path.write_bytes(moved.read_bytes())  # same content, another file
        r = await h.client.get("/readyz")
        assert r.status_code == 503
        assert r.json()["database"] == "file replaced"
        os.replace(moved, path)  # the original file is back
        assert (await h.client.get("/readyz")).status_code == 200


async def test_readyz_notices_a_schema_behind_the_code(any_harness: Harness) -> None:
    from sqlalchemy import text

    async with any_harness.app.state.db.writer.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = '0001'"))
    r = await any_harness.client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["database"] == "not migrated"


@pytest.mark.postgres
async def test_a_terminated_postgres_connection_costs_no_500(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    import asyncpg
    from sqlalchemy.engine import make_url

    async with running_app(fast_settings(database_url)) as h:
        assert (await h.client.get(f"{API}/threads", params={"account_id": 1})).status_code == 200
        url = make_url(database_url)
        admin = await asyncpg.connect(
            host=url.host, port=url.port or 5432, user=url.username, database=url.database
        )
        try:
            killed = await admin.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await admin.close()
        assert killed >= 1
        for _ in range(3):
            r = await h.client.get(f"{API}/threads", params={"account_id": 1})
            assert r.status_code == 200, r.text
        created = await start(h)
        assert (await wait_terminal(h.client, created["response_id"]))["status"] == "succeeded"
        assert (await h.client.get("/readyz")).status_code == 200


def test_a_500_is_complete_and_keeps_the_connection(served: Served) -> None:
    import socket

    async def boom(*_args: Any) -> Any:
        raise RuntimeError("forced failure")

    served.app.state.services.reads.thread = boom
    path = f"{API}/threads/{uuid.uuid4()}?account_id=1"
    request = (
        f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {served.key}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        sock.sendall(request)
        status, answer = read_response(sock)
        assert status == 500
        assert b'"message":"Internal server error"' in answer
        assert b"forced failure" not in answer
        assert b"x-request-id" in answer
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        status, answer = read_response(sock)
        assert status == 200
