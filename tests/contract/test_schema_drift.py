"""``store/tables.py`` and the migrations describe the same schema, on each backend.

The tables are what the code queries; the migrations are what a database really has. Alembic's
autogenerate comparison lists every difference (a column, a type, a nullability, an index), so a
migration that forgets what a table change added fails here instead of in production.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from omni_server.store.db import Database
from omni_server.store.tables import metadata


def _differences(sync_conn: Any) -> list[Any]:
    context = MigrationContext.configure(
        sync_conn, opts={"compare_type": True, "compare_server_default": False}
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
