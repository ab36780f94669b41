"""Which API key created each response (the per-key active limit), and keys' last use.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from omni_server.store.tables import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_ACTIVE = sa.text("status IN ('queued', 'running')")


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("api_key_id", sa.Uuid, nullable=True))
    # Partial: only active rows are ever counted, and they are few.
    op.create_index(
        "ix_responses_active_key",
        "responses",
        ["api_key_id"],
        sqlite_where=_ACTIVE,
        postgresql_where=_ACTIVE,
    )
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("last_used_at", UTCDateTime, nullable=True))


def downgrade() -> None:
    op.drop_index("ix_responses_active_key", table_name="responses")
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("api_key_id")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("last_used_at")
