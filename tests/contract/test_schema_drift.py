"""``store/tables.py`` and the migrations describe the same schema, on each backend.

The tables are what the code queries; the migrations are what a database really has. A fresh
database is migrated to head and compared with ``tables.py``'s MetaData by Alembic's
autogenerate comparison, which lists every difference in tables, columns, types,
nullability, server defaults, indexes, unique constraints and foreign keys: a migration
that forgets what a table change added (or the reverse) fails here instead of in production.
Both dialects reflect all of these without noise, so every comparison is on.

One thing Alembic does not compare on either dialect is the ``WHERE`` clause of a partial
index, and two guarantees live in one (one active response per thread, one active grant per
account and code). So the predicates are compared separately: each backend writes them in
its own normal form (PostgreSQL rewrites ``IN`` into ``= ANY (ARRAY[...])``), hence the
migrated database is compared with one built by ``metadata.create_all`` on the same backend.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from omni_server.store.db import Database
from omni_server.store.tables import metadata
from tests.support import create_postgres_database, drop_postgres_database, sqlite_url


def _differences(sync_conn: Any) -> list[Any]:
    context = MigrationContext.configure(
        sync_conn, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, metadata))


async def test_migrations_match_the_table_definitions(db: Database) -> None:
    async with db.writer.connect() as conn:
        differences = await conn.run_sync(_differences)
    assert differences == []


async def test_the_comparison_notices_a_missing_column(db: Database) -> None:
    """The check above can fail: a column dropped from the database is reported."""

    def drop_then_compare(sync_conn: Any) -> list[Any]:
        sync_conn.exec_driver_sql("ALTER TABLE feedback DROP COLUMN comment")
        return _differences(sync_conn)

    async with db.writer.begin() as conn:
        differences = await conn.run_sync(drop_then_compare)
    assert ("add_column", None, "feedback", metadata.tables["feedback"].c.comment) in [
        tuple(d) for d in differences if isinstance(d, tuple)
    ]


def _predicates(sync_conn: Any) -> dict[str, str]:
    """Each partial index's name and ``WHERE`` predicate, as this backend stores it."""
    if sync_conn.dialect.name == "postgresql":
        rows = sync_conn.exec_driver_sql(
            "SELECT c.relname, pg_get_expr(i.indpred, i.indrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indpred IS NOT NULL"
        )
        return {name: predicate for name, predicate in rows}
    rows = sync_conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql LIKE '%WHERE%'"
    )
    # SQLite keeps the statement as written: compare it without case, quotes or spacing.
    return {
        name: re.sub(r"\s+", "", sql.split("WHERE", 1)[1]).replace('"', "").lower()
        for name, sql in rows
    }


@pytest.fixture
async def from_tables(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    """A second database of the same backend, built from ``tables.py`` alone."""
    if database_url.startswith("sqlite"):
        directory = tmp_path / "from_tables"
        directory.mkdir()
        url = sqlite_url(directory)
    else:
        url = await create_postgres_database()
    database = Database.open(url)
    try:
        async with database.writer.begin() as conn:
            await conn.run_sync(metadata.create_all)
        yield database
    finally:
        await database.close()
        if not url.startswith("sqlite"):
            await drop_postgres_database(url)


async def test_partial_index_predicates_match_the_table_definitions(
    db: Database, from_tables: Database
) -> None:
    async with db.reader.connect() as conn:
        migrated = await conn.run_sync(_predicates)
    async with from_tables.reader.connect() as conn:
        declared = await conn.run_sync(_predicates)
    partial = {
        index.name
        for table in metadata.tables.values()
        for index in table.indexes
        if index.dialect_options[db.backend].get("where") is not None
    }
    assert "ux_responses_one_active_per_thread" in partial
    assert set(declared) == partial
    assert migrated == declared
