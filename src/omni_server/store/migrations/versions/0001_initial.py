"""Keys, threads, messages and responses.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from omni_server.store.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ACTIVE = sa.text("status IN ('queued', 'running')")


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("prefix", sa.String(32), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("revoked_at", UTCDateTime, nullable=True),
    )
    op.create_table(
        "api_key_accounts",
        sa.Column("key_id", sa.Uuid, sa.ForeignKey("api_keys.id"), primary_key=True),
        sa.Column("account_id", sa.BigInteger, primary_key=True),
    )
    op.create_table(
        "threads",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("account_id", sa.BigInteger, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("mode", sa.String(32), nullable=False),
        sa.Column("last_seq", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_threads_account_updated", "threads", ["account_id", "updated_at", "id"])
    op.create_table(
        "messages",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("thread_id", sa.Uuid, sa.ForeignKey("threads.id"), nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("context", sa.Text, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ux_messages_thread_seq", "messages", ["thread_id", "seq"], unique=True)
    op.create_table(
        "responses",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("thread_id", sa.Uuid, sa.ForeignKey("threads.id"), nullable=False),
        sa.Column("account_id", sa.BigInteger, nullable=False),
        sa.Column("user_message_id", sa.Uuid, nullable=False),
        sa.Column("output_message_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("output_seq", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("request", sa.Text, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("worker_id", sa.String(64), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=True),
        sa.Column("finished_at", UTCDateTime, nullable=True),
    )
    op.create_index(
        "ux_responses_one_active_per_thread",
        "responses",
        ["thread_id"],
        unique=True,
        sqlite_where=_ACTIVE,
        postgresql_where=_ACTIVE,
    )
    op.create_index("ix_responses_status_id", "responses", ["status", "id"])


def downgrade() -> None:
    for table in ("responses", "messages", "threads", "api_key_accounts", "api_keys"):
        op.drop_table(table)
