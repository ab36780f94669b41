"""Token usage per response, as the model provider reported it (for operators).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from omni_server.store.tables import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "response_usage",
        sa.Column("response_id", sa.Uuid, sa.ForeignKey("responses.id"), primary_key=True),
        sa.Column("engine", sa.String(64), nullable=False),
        sa.Column("prompt_tokens", sa.BigInteger, nullable=False),
        sa.Column("completion_tokens", sa.BigInteger, nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("response_usage")
