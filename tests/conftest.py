"""Fixtures. Databases: SQLite files always; PostgreSQL whenever it is reachable (always in CI)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from omni_server.settings import Settings
from tests.support import (
    Harness,
    create_postgres_database,
    drop_postgres_database,
    postgres_reachable,
    running_app,
    sqlite_url,
)

IN_CI = os.environ.get("CI") == "true"


def fast_settings(database: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database": database,
        "chunk_delay": 0.001,
        "poll_interval": 0.05,
        "progress_interval": 0.0,
        "key_cache_seconds": 0.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Each backend in turn: the contract suite runs once per database."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    if not postgres_reachable():
        if IN_CI:
            pytest.fail("PostgreSQL is not reachable, and CI must run the PostgreSQL tests")
        pytest.skip("PostgreSQL is not reachable (set OMNI_TEST_POSTGRES_URL)")
    url = await create_postgres_database()
    try:
        yield url
    finally:
        await drop_postgres_database(url)


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    """The app on a SQLite file, for API tests that do not depend on the backend."""
    async with running_app(fast_settings(sqlite_url(tmp_path))) as h:
        yield h


@pytest.fixture
async def any_harness(database_url: str) -> AsyncIterator[Harness]:
    """The app on each backend (contract tests)."""
    async with running_app(fast_settings(database_url)) as h:
        yield h
