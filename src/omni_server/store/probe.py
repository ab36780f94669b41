"""Readiness: does the database answer, at the expected schema, from the expected file?

``/readyz`` must not say ``ok`` when the server could not serve: the database unreachable,
the schema not at the newest Alembic revision, or (SQLite) the file at the configured path
no longer the one the server has open: deleted, or replaced by another file. A server whose
file was deleted keeps writing to an unlinked inode that nobody will ever read again.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

from omni_server.store import migrate
from omni_server.store.database import driver_url
from omni_server.store.db import Database

Identity = tuple[int, int]
"""A file's (device, inode)."""


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; ``None`` for PostgreSQL and in-memory databases."""
    parsed = make_url(driver_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()


def identity(path: Path) -> Identity | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


class ReadinessProbe:
    """Remembers which file the server opened, and checks everything ``/readyz`` promises."""

    def __init__(self, db: Database, url: str) -> None:
        self._db = db
        self._path = sqlite_path(url)
        self._opened: Identity | None = None

    async def start(self) -> None:
        """Record the identity of the SQLite file, once the server has connected to it."""
        if self._path is not None:
            async with self._db.reader.connect():
                self._opened = identity(self._path)

    async def problem(self) -> str | None:
        """What keeps the database from serving (a short phrase), or ``None`` when ready."""
        if self._path is not None:
            now = identity(self._path)
            if now is None:
                return "file missing"
            if self._opened is not None and now != self._opened:
                return "file replaced"
        try:
            current = await migrate.is_current(self._db.reader)
        except Exception:
            return "unreachable"
        return None if current else "not migrated"
