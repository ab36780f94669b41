"""SQLite executed inline on the event loop, behind the same async interface as asyncpg.

A primary-key read in SQLite takes microseconds; sending it to a driver thread (as aiosqlite
does, several hops per query) costs a hundred times more and lets polls starve the runner.
So for SQLite the store's ``await conn.execute(...)`` runs the statement right away on the
loop's thread. A transaction therefore never yields to the loop half-way, which also makes
concurrent writers in this process impossible by construction; other processes (the CLI) are
waited for by SQLite's busy timeout. PostgreSQL keeps its real async engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, CursorResult, Engine, Executable
from sqlalchemy.engine.interfaces import Dialect

T = TypeVar("T")


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

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._reader: Connection | None = None

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
        with self._engine.begin() as connection:
            yield InlineConnection(connection)

    async def dispose(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self._engine.dispose()
