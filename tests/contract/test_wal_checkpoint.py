"""SQLite's WAL is checkpointed on a worker thread, so it stays small without SQLite's own
automatic checkpoint (which ran inside a request's commit, on the event loop)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from omni_server.store import inline, migrate
from omni_server.store.database import WAL_LIMIT_PAGES
from omni_server.store.db import Database
from tests.support import sqlite_url

PAGE = 4096


async def wal_pages_after_commits(tmp_path: Path, commits: int) -> int:
    db = Database.open(sqlite_url(tmp_path))
    await migrate.upgrade(db.writer)
    try:
        for n in range(commits):
            async with db.writer.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO threads (id, account_id, title, mode, last_seq, created_at,"
                        " updated_at) VALUES (:id, 1, :title, 'instant', 0, :now, :now)"
                    ),
                    {"id": f"{n:032x}", "title": "x" * 2000, "now": datetime.now(UTC)},
                )
            await asyncio.sleep(0)  # as a server's loop does between requests
        pending = db.writer._checkpointing  # type: ignore[attr-defined]
        if pending is not None:
            await pending
        # Measured while open: closing the last connection checkpoints and removes the WAL.
        return (tmp_path / "omni.db-wal").stat().st_size // PAGE
    finally:
        await db.close()


COMMITS = 1600  # a few pages each: about 9,000 pages of WAL without any checkpoint


async def test_the_wal_stays_small(tmp_path: Path) -> None:
    assert await wal_pages_after_commits(tmp_path, COMMITS) < WAL_LIMIT_PAGES * 1.5


async def test_without_the_thread_the_wal_grows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check above can fail: with no checkpoint the same writes leave a large WAL."""
    monkeypatch.setattr(inline, "CHECKPOINT_EVERY", 10**9)
    assert await wal_pages_after_commits(tmp_path, COMMITS) >= WAL_LIMIT_PAGES * 2
