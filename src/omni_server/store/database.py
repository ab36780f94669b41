"""Database URLs, engines and connection settings for SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from omni_server.store.inline import EngineLike, InlineEngine

BUSY_TIMEOUT_MS = 20
_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql+asyncpg"}


def driver_url(url: str) -> str:
    """Turn the URL a user types into the one the server opens.

    ``postgresql://`` (or ``postgres://``) becomes ``postgresql+asyncpg://``; SQLite uses the
    standard library's ``sqlite3`` (run inline, see ``store/inline.py``), whatever driver the
    URL names. Raises ``ValueError`` for other databases.
    """
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    backend = parsed.get_backend_name()
    if backend not in _DRIVERS:
        raise ValueError(f"unsupported database {url!r}: use sqlite:/// or postgresql://")
    if backend == "sqlite" or parsed.drivername == backend:
        parsed = parsed.set(drivername=_DRIVERS[backend])
    return parsed.render_as_string(hide_password=False)


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder of a SQLite file so a fresh machine needs no set-up."""
    parsed = make_url(driver_url(url))
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets polls read while a turn writes; the busy timeout is short because it blocks
    # the event loop (writers wait for the lock with async retries, see store/inline.py);
    # NORMAL sync is durable across process crashes (not power loss) in WAL mode.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Checkpoints (copying the WAL into the database, with an fsync) run on a thread instead
    # of inside whichever commit crosses SQLite's threshold: see InlineEngine.
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engines(
    url: str, *, pool_size: int = 10, lock_timeout: float = 1.0
) -> tuple[EngineLike, EngineLike]:
    """A (reader, writer) pair of engines for ``url``: the same engine, for now, on both.

    The pair leaves room for a read replica. SQLite runs inline on the event loop, and a
    write waits at most ``lock_timeout`` seconds for another process's lock. PostgreSQL
    connections are pinged when taken from the pool, so one the server dropped (a restart,
    ``pg_terminate_backend``) is replaced instead of failing the request.
    """
    full = driver_url(url)
    if make_url(full).get_backend_name() != "sqlite":
        engine = create_async_engine(
            full, pool_size=pool_size, max_overflow=pool_size * 2, pool_pre_ping=True
        )
        return engine, engine
    ensure_sqlite_directory(full)
    # Connections come back from inline work with no transaction open (``begin()`` always
    # ends its own), so the pool's rollback-on-return would be a wasted statement per query.
    sync_engine = create_engine(full, pool_size=2, max_overflow=8, pool_reset_on_return=None)
    event.listen(sync_engine, "connect", _sqlite_pragmas)
    path = make_url(full).database
    file = path not in (None, "", ":memory:")
    checkpoint = partial(checkpoint_wal, str(Path(path).expanduser())) if file and path else None
    inline = InlineEngine(sync_engine, lock_timeout=lock_timeout, checkpoint=checkpoint)
    return inline, inline


WAL_LIMIT_PAGES = 4000
"""A WAL longer than this (16 MB of 4 KB pages) is truncated by a checkpoint that waits."""


def checkpoint_wal(path: str) -> None:
    """Copy what the WAL holds into the database file, waiting for no reader or writer.

    Runs on a worker thread with its own connection; ``sqlite3`` releases the GIL while it
    copies and syncs, so the event loop keeps serving. SQLite starts the WAL over once a
    checkpoint got all of it, which steady writes can keep from happening; so when the WAL
    has grown past :data:`WAL_LIMIT_PAGES`, a ``TRUNCATE`` checkpoint takes the write lock
    for the moment it needs (writers on the loop retry without blocking it, see
    ``store/inline.py``) and empties it.
    """
    with closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)) as connection:
        _busy, pages, _copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if pages > WAL_LIMIT_PAGES:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
