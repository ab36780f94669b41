"""Entitlements (consent audit trail, grants, on/off choices) and message feedback.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from omni_server.store.tables import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ACTIVE_GRANT = sa.text("revoked_at IS NULL")

# The consent table is an audit trail: the database itself refuses to change or remove a row.
_SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER entitlement_consents_no_{verb.lower()}
    BEFORE {verb} ON entitlement_consents
    BEGIN SELECT RAISE(ABORT, 'entitlement_consents is append-only'); END
    """
    for verb in ("UPDATE", "DELETE")
]
_POSTGRES_TRIGGERS = [
    """
    CREATE FUNCTION omni_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
    END
    $$
    """,
    """
    CREATE TRIGGER entitlement_consents_append_only
    BEFORE UPDATE OR DELETE ON entitlement_consents
    FOR EACH ROW EXECUTE FUNCTION omni_append_only()
    """,
]


def upgrade() -> None:
    op.create_table(
        "entitlement_consents",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("api_key_id", sa.Uuid, nullable=False),
        sa.Column("agreement_id", sa.String(64), nullable=False),
        sa.Column("agreement_version", sa.Integer, nullable=False),
        sa.Column("document_sha256", sa.String(64), nullable=False),
        sa.Column("account_ids", sa.Text, nullable=False),
        sa.Column("entitlement_codes", sa.Text, nullable=False),
        sa.Column("signed_at", UTCDateTime, nullable=False),
    )
    op.create_table(
        "entitlement_grants",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("account_id", sa.BigInteger, nullable=False),
        sa.Column("entitlement_code", sa.String(64), nullable=False),
        sa.Column("agreement_id", sa.String(64), nullable=False),
        sa.Column("consent_id", sa.Uuid, sa.ForeignKey("entitlement_consents.id"), nullable=False),
        sa.Column("granted_at", UTCDateTime, nullable=False),
        sa.Column("revoked_at", UTCDateTime, nullable=True),
        sa.Column("revoked_by", sa.Uuid, nullable=True),
    )
    op.create_index(
        "ux_entitlement_grants_active",
        "entitlement_grants",
        ["account_id", "entitlement_code"],
        unique=True,
        sqlite_where=_ACTIVE_GRANT,
        postgresql_where=_ACTIVE_GRANT,
    )
    op.create_table(
        "entitlement_choices",
        sa.Column("account_id", sa.BigInteger, primary_key=True),
        sa.Column("entitlement_code", sa.String(64), primary_key=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("changed_at", UTCDateTime, nullable=False),
        sa.Column("changed_by", sa.Uuid, nullable=False),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("message_id", sa.Uuid, sa.ForeignKey("messages.id"), nullable=False),
        sa.Column("account_id", sa.BigInteger, nullable=False),
        sa.Column("api_key_id", sa.Uuid, nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("metadata_json", sa.Text, nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_feedback_message", "feedback", ["message_id", "created_at"])
    dialect = op.get_bind().dialect.name
    for statement in _POSTGRES_TRIGGERS if dialect == "postgresql" else _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    for table in ("feedback", "entitlement_choices", "entitlement_grants", "entitlement_consents"):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS omni_append_only()")
