"""API keys: stored as SHA-256 hashes, each granted a set of account ids."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import insert, select, update

from omni_server.domain.keys import KeyRecord
from omni_server.store.db import Database
from omni_server.store.tables import api_key_accounts, api_keys


class KeyStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self,
        *,
        key_id: uuid.UUID,
        name: str,
        prefix: str,
        key_hash: str,
        accounts: frozenset[int],
        now: datetime,
    ) -> None:
        async with self._db.writer.begin() as conn:
            await conn.execute(
                insert(api_keys).values(
                    id=key_id, name=name, prefix=prefix, key_hash=key_hash, created_at=now
                )
            )
            if accounts:
                await conn.execute(
                    insert(api_key_accounts),
                    [{"key_id": key_id, "account_id": a} for a in sorted(accounts)],
                )

    async def by_hash(self, key_hash: str) -> KeyRecord | None:
        """The live (not revoked) key with this hash."""
        async with self._db.reader.connect() as conn:
            row = (
                await conn.execute(
                    select(api_keys).where(
                        api_keys.c.key_hash == key_hash, api_keys.c.revoked_at.is_(None)
                    )
                )
            ).one_or_none()
            if row is None:
                return None
            accounts = (
                await conn.execute(
                    select(api_key_accounts.c.account_id).where(api_key_accounts.c.key_id == row.id)
                )
            ).scalars()
            return KeyRecord(
                row.id, row.name, row.prefix, frozenset(accounts), row.created_at, row.revoked_at
            )

    async def all(self) -> list[KeyRecord]:
        async with self._db.reader.connect() as conn:
            rows = (await conn.execute(select(api_keys).order_by(api_keys.c.created_at))).all()
            grants = (await conn.execute(select(api_key_accounts))).all()
        by_key: dict[uuid.UUID, set[int]] = {}
        for grant in grants:
            by_key.setdefault(grant.key_id, set()).add(grant.account_id)
        return [
            KeyRecord(
                r.id,
                r.name,
                r.prefix,
                frozenset(by_key.get(r.id, ())),
                r.created_at,
                r.revoked_at,
                r.last_used_at,
            )
            for r in rows
        ]

    async def revoke(self, key_id: uuid.UUID, now: datetime) -> bool:
        """Revoke a key; ``False`` when no live key has that id."""
        async with self._db.writer.begin() as conn:
            result = await conn.execute(
                update(api_keys)
                .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
        return result.rowcount == 1

    async def touch(self, key_id: uuid.UUID, now: datetime) -> None:
        """Record that the key was used at ``now`` (callers rate-limit this write)."""
        async with self._db.writer.begin() as conn:
            await conn.execute(
                update(api_keys).where(api_keys.c.id == key_id).values(last_used_at=now)
            )

    async def any_live(self) -> bool:
        async with self._db.reader.connect() as conn:
            row = await conn.execute(
                select(api_keys.c.id).where(api_keys.c.revoked_at.is_(None)).limit(1)
            )
            return row.first() is not None
