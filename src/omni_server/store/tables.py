"""Table definitions (SQLAlchemy Core). Rows never leave ``store/``; they become domain values.

Content, errors and requests are stored as compact JSON text: the poll endpoint serves the
stored content without decoding it, and both SQLite and PostgreSQL treat it the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    Uuid,
    text,
)

from omni_server.domain.lifecycle import ACTIVE


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always comes back timezone-aware in UTC (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()

_ACTIVE_SQL = "status IN ({})".format(", ".join(f"'{s.value}'" for s in sorted(ACTIVE)))

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("prefix", String(32), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("last_used_at", UTCDateTime, nullable=True),  # migration 0005
)

api_key_accounts = Table(
    "api_key_accounts",
    metadata,
    Column("key_id", Uuid, ForeignKey("api_keys.id"), primary_key=True),
    Column("account_id", BigInteger, primary_key=True),
)

threads = Table(
    "threads",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", BigInteger, nullable=False),
    Column("title", Text, nullable=False),
    Column("mode", String(32), nullable=False),
    Column("last_seq", BigInteger, nullable=False, server_default=text("0")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_threads_account_updated", "account_id", "updated_at", "id"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("thread_id", Uuid, ForeignKey("threads.id"), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("role", String(16), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("content", Text, nullable=False),
    Column("error", Text, nullable=True),
    Column("context", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ux_messages_thread_seq", "thread_id", "seq", unique=True),
)

responses = Table(
    "responses",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("thread_id", Uuid, ForeignKey("threads.id"), nullable=False),
    Column("account_id", BigInteger, nullable=False),
    Column("user_message_id", Uuid, nullable=False),
    Column("output_message_id", Uuid, nullable=False, unique=True),
    Column("output_seq", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),
    Column("content", Text, nullable=False),
    Column("error", Text, nullable=True),
    Column("request", Text, nullable=False),
    Column("attempt", Integer, nullable=False, server_default=text("0")),
    Column("worker_id", String(64), nullable=True),
    Column("lease_expires_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime, nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    # The guarantee "one active response per thread" lives here, in the database.
    Index(
        "ux_responses_one_active_per_thread",
        "thread_id",
        unique=True,
        sqlite_where=text(_ACTIVE_SQL),
        postgresql_where=text(_ACTIVE_SQL),
    ),
    Index("ix_responses_status_id", "status", "id"),
    # The key that created the response (migration 0005): the per-key active limit counts it.
    Column("api_key_id", Uuid, nullable=True),
    Index(
        "ix_responses_active_key",
        "api_key_id",
        sqlite_where=text(_ACTIVE_SQL),
        postgresql_where=text(_ACTIVE_SQL),
    ),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("api_key_id", Uuid, primary_key=True),
    Column("idempotency_key", String(255), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("response_body", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_idempotency_keys_created_at", "created_at"),
)

# -- entitlements and feedback (migration 0003) ---------------------------------------------

_ACTIVE_GRANT_SQL = "revoked_at IS NULL"

entitlement_consents = Table(
    # The audit trail: one row per signature, never updated or deleted (the migration
    # installs triggers that refuse both).
    "entitlement_consents",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("api_key_id", Uuid, nullable=False),
    Column("agreement_id", String(64), nullable=False),
    Column("agreement_version", Integer, nullable=False),
    Column("document_sha256", String(64), nullable=False),
    Column("account_ids", Text, nullable=False),
    Column("entitlement_codes", Text, nullable=False),
    Column("signed_at", UTCDateTime, nullable=False),
)

entitlement_grants = Table(
    "entitlement_grants",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", BigInteger, nullable=False),
    Column("entitlement_code", String(64), nullable=False),
    Column("agreement_id", String(64), nullable=False),
    Column("consent_id", Uuid, ForeignKey("entitlement_consents.id"), nullable=False),
    Column("granted_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
    Column("revoked_by", Uuid, nullable=True),
    # At most one active grant per account and code: signing twice upserts into it.
    Index(
        "ux_entitlement_grants_active",
        "account_id",
        "entitlement_code",
        unique=True,
        sqlite_where=text(_ACTIVE_GRANT_SQL),
        postgresql_where=text(_ACTIVE_GRANT_SQL),
    ),
)

entitlement_choices = Table(
    # The current on/off setting of an account; no row means enabled (the default).
    "entitlement_choices",
    metadata,
    Column("account_id", BigInteger, primary_key=True),
    Column("entitlement_code", String(64), primary_key=True),
    Column("enabled", Boolean, nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
    Column("changed_by", Uuid, nullable=False),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("message_id", Uuid, ForeignKey("messages.id"), nullable=False),
    Column("account_id", BigInteger, nullable=False),
    Column("api_key_id", Uuid, nullable=False),
    Column("score", Integer, nullable=False),
    Column("comment", Text, nullable=True),
    Column("metadata_json", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_feedback_message", "message_id", "created_at"),
)

# -- token usage (migration 0004) -------------------------------------------------------------

response_usage = Table(
    "response_usage",
    metadata,
    Column("response_id", Uuid, ForeignKey("responses.id"), primary_key=True),
    Column("engine", String(64), nullable=False),
    Column("prompt_tokens", BigInteger, nullable=False),
    Column("completion_tokens", BigInteger, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
)
