"""The contract suite's database: a migrated store on each backend in turn."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from omni_server.store import migrate
from omni_server.store.db import Database


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database.open(database_url)
    await migrate.upgrade(database.writer)
    try:
        yield database
    finally:
        await database.close()
