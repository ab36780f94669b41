"""SQLite executed inline on the event loop, behind the same async interface as asyncpg.

A primary-key read in SQLite takes microseconds; sending it to a driver thread (as aiosqlite
does, several hops per query) costs a hundred times more and lets polls starve the runner.
So for SQLite the store's ``await conn.execute(...)`` runs the statement right away on the
loop's thread. A transaction therefore never yields to the loop half-way, which also makes
concurrent writers in this process impossible by construction.

Other processes (the CLI, a backup tool) may hold the write lock. Waiting for it inside
SQLite's busy timeout would freeze the whole loop, so a write transaction starts with
``BEGIN IMMEDIATE`` attempts that do not wait, spaced by ``await asyncio.sleep`` (the loop
keeps serving reads and probes meanwhile); after ``lock_timeout`` seconds it gives up with
:class:`~omni_server.domain.errors.Busy`, answered 503 with ``retry-after``. Nothing was
written. PostgreSQL keeps its real async engine.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, CursorResult, Engine, Executable
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.exc import OperationalError

from omni_server.domain.errors import Busy

T = TypeVar("T")
log = logging.getLogger("omni.store")

CHECKPOINT_EVERY = 200
"""Commits between WAL checkpoints (a few pages each: close to SQLite's own 1,000 pages)."""


class ConnectionLike(Protocol):
    """What the stores use of a connection; both ``AsyncConnection`` and ours provide it."""

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]: ...

    async def run_sync(self, fn: Callable[..., T], *args: Any) -> T: ...


class EngineLike(Protocol):
    """What the stores use of an engine; both ``AsyncEngine`` and :class:`InlineEngine`."""

    @property
    def dialect(self) -> Dialect: ...

    def connect(self) -> AbstractAsyncContextManager[ConnectionLike]: ...

    def begin(self) -> AbstractAsyncContextManager[ConnectionLike]: ...

    async def dispose(self) -> None: ...


class InlineConnection:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    async def execute(self, statement: Executable, parameters: Any = None) -> CursorResult[Any]:
        return self._connection.execute(statement, parameters)

    async def run_sync(self, fn: Callable[..., T], *args: Any) -> T:
        return fn(self._connection, *args)


class InlineEngine:
    """A synchronous engine dressed as an async one (see the module docstring)."""

    def __init__(
        self,
        engine: Engine,
        *,
        lock_timeout: float = 1.0,
        checkpoint: Callable[[], None] | None = None,
    ) -> None:
        self._engine = engine
        self._reader: Connection | None = None
        self._lock_timeout = lock_timeout
        self._checkpoint = checkpoint
        self._commits = 0
        self._checkpointing: asyncio.Future[None] | None = None

    @property
    def dialect(self) -> Dialect:
        return self._engine.dialect

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[InlineConnection]:
        # Reads share one long-lived connection: nothing runs concurrently on the loop's
        # thread, and in the sqlite3 module a SELECT opens no transaction, so each read sees
        # the latest commit. Saves a pool checkout per query on the hottest path (polls).
        if self._reader is None:
            self._reader = self._engine.connect()
        yield InlineConnection(self._reader)

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[InlineConnection]:
        connection = await self._locked_connection()
        with connection:
            try:
                yield InlineConnection(connection)
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
        self._after_commit()

    def _after_commit(self) -> None:
        """Every :data:`CHECKPOINT_EVERY` commits, checkpoint the WAL on a worker thread.

        SQLite's own automatic checkpoint (turned off in ``store/database.py``) runs inside
        the commit that crosses its threshold, on the event loop: a create or a cancel now
        and then took 15 ms more. One checkpoint at a time; a slow one is never queued up.
        """
        self._commits += 1
        if self._checkpoint is None or self._commits % CHECKPOINT_EVERY:
            return
        if self._checkpointing is not None and not self._checkpointing.done():
            return
        self._checkpointing = asyncio.get_running_loop().run_in_executor(None, self._checkpoint)
        self._checkpointing.add_done_callback(_report_checkpoint)

    async def _locked_connection(self) -> Connection:
        """A connection holding the write lock (``BEGIN IMMEDIATE``), or ``Busy``.

        Between attempts the connection goes back to the pool, so waiting writers never
        exhaust it, and the loop runs other work.
        """
        deadline = time.monotonic() + self._lock_timeout
        delay = 0.002
        while True:
            connection = self._engine.connect()
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return connection
            except OperationalError as exc:
                connection.close()
                if not _is_busy(exc):
                    raise
                if time.monotonic() + delay > deadline:
                    raise Busy() from exc
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)

    def fetch_one(self, sql: str, parameters: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """One row of a plain SQL read, straight from ``sqlite3`` on the shared reader.

        For the poll alone (see ``QueryStore.response``): skipping SQLAlchemy's statement
        and result layers turns a read of about 40 microseconds into one of about 7.
        """
        if self._reader is None:
            self._reader = self._engine.connect()
        raw = self._reader.connection.dbapi_connection
        assert raw is not None
        # fetchall steps the statement to its end, which resets it: no read stays open.
        rows: list[tuple[Any, ...]] = raw.execute(sql, parameters).fetchall()
        return rows[0] if rows else None

    async def dispose(self) -> None:
        if self._checkpointing is not None:
            await asyncio.gather(self._checkpointing, return_exceptions=True)
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self._engine.dispose()


def _report_checkpoint(done: asyncio.Future[None]) -> None:
    if not done.cancelled() and done.exception() is not None:
        log.warning("WAL checkpoint failed (the next one will retry)", exc_info=done.exception())


def _is_busy(exc: OperationalError) -> bool:
    """Whether SQLite refused because another connection holds a lock."""
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
