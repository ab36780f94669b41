"""Database URLs, engines and connection settings for SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def async_url(url: str) -> str:
    """Turn the URL a user types into one with an async driver.

    ``sqlite:///data/omni.db`` becomes ``sqlite+aiosqlite:///data/omni.db``, ``postgresql://``
    (or ``postgres://``) becomes ``postgresql+asyncpg://``; a URL that already names a driver is
    kept. Raises ``ValueError`` for other databases.
    """
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    backend = parsed.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"unsupported database {url!r}: use sqlite:/// or postgresql://")
    if parsed.drivername == backend:
        parsed = parsed.set(drivername=_ASYNC_DRIVERS[backend])
    return parsed.render_as_string(hide_password=False)


def ensure_sqlite_directory(url: str) -> None:
    """Create the folder of a SQLite file so a fresh machine needs no set-up."""
    parsed = make_url(async_url(url))
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets polls read while a turn writes; the busy timeout makes writers queue instead
    # of failing; NORMAL sync is durable across process crashes (not power loss) in WAL mode.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engines(url: str, *, pool_size: int = 10) -> tuple[AsyncEngine, AsyncEngine]:
    """A (reader, writer) pair of async engines for ``url``.

    SQLite allows one writer at a time; giving writes a single connection queues them inside
    the process instead of letting transactions collide on the file lock, while reads share a
    pool (WAL readers never block). PostgreSQL uses one engine for both.
    """
    full = async_url(url)
    if make_url(full).get_backend_name() != "sqlite":
        engine = create_async_engine(full, pool_size=pool_size, max_overflow=pool_size * 2)
        return engine, engine
    ensure_sqlite_directory(full)
    reader = create_async_engine(full, pool_size=pool_size, max_overflow=pool_size)
    writer = create_async_engine(full, pool_size=1, max_overflow=0, pool_timeout=300)
    for engine in (reader, writer):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return reader, writer


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"
