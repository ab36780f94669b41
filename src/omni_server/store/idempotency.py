"""Idempotency keys: who claimed a key first, and the answer to replay for it.

A row is keyed by (API key, ``Idempotency-Key``), so the primary key decides which of several
concurrent requests runs: the one whose ``INSERT`` commits. Its row starts *pending*
(``status_code`` null) and later holds the 200 answer, or is deleted when the request failed
so that a retry can run. ``created_at`` is the claim's timestamp and fences the holder's
later writes: a claim that was abandoned and taken over can no longer complete or release
the row.

A row is *dead* when it is older than the retention horizon, or pending and older than the
abandon horizon (its request died between claiming and answering). Dead rows are ignored by
reads and replaced by the next claim.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, insert, not_, or_, select, update
from sqlalchemy.exc import IntegrityError

from omni_server.domain.idempotency import Horizon, StoredKey
from omni_server.store import codec
from omni_server.store.db import Database
from omni_server.store.tables import idempotency_keys as keys

_CLAIM_ATTEMPTS = 100


def _dead(horizon: Horizon) -> ColumnElement[bool]:
    return or_(
        keys.c.created_at < horizon.live_after,
        and_(keys.c.status_code.is_(None), keys.c.created_at < horizon.pending_after),
    )


def _key(api_key_id: uuid.UUID, key: str) -> ColumnElement[bool]:
    return and_(keys.c.api_key_id == api_key_id, keys.c.idempotency_key == key)


class IdempotencyStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(
        self,
        api_key_id: uuid.UUID,
        key: str,
        request_hash: str,
        *,
        now: datetime,
        horizon: Horizon,
    ) -> StoredKey | None:
        """Insert a pending row for the key, stamped ``now``; ``None`` means this call won.

        Otherwise returns the live row already there (pending or answered), whoever holds
        it. A dead row is replaced in the same transaction. If the row that blocked the
        insert is gone by the time it is read (its holder released it), the claim is tried
        again.
        """
        for _ in range(_CLAIM_ATTEMPTS):
            if await self._insert(api_key_id, key, request_hash, now=now, horizon=horizon):
                return None
            existing = await self.get(api_key_id, key, horizon=horizon)
            if existing is not None:
                return existing
        raise RuntimeError(f"idempotency key {key!r} kept changing hands")  # pragma: no cover

    async def _insert(
        self,
        api_key_id: uuid.UUID,
        key: str,
        request_hash: str,
        *,
        now: datetime,
        horizon: Horizon,
    ) -> bool:
        try:
            async with self._db.writer.begin() as conn:
                await conn.execute(delete(keys).where(_key(api_key_id, key), _dead(horizon)))
                await conn.execute(
                    insert(keys).values(
                        api_key_id=api_key_id,
                        idempotency_key=key,
                        request_hash=request_hash,
                        status_code=None,
                        response_body=None,
                        created_at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

    async def get(self, api_key_id: uuid.UUID, key: str, *, horizon: Horizon) -> StoredKey | None:
        """The live row for the key, or ``None`` (never claimed, released, or dead)."""
        async with self._db.reader.connect() as conn:
            row = (
                await conn.execute(
                    select(
                        keys.c.request_hash,
                        keys.c.created_at,
                        keys.c.status_code,
                        keys.c.response_body,
                    ).where(_key(api_key_id, key), not_(_dead(horizon)))
                )
            ).one_or_none()
        if row is None:
            return None
        return StoredKey(
            request_hash=row.request_hash,
            created_at=row.created_at,
            status_code=row.status_code,
            answer=codec.loads(row.response_body),
        )

    async def complete(
        self,
        api_key_id: uuid.UUID,
        key: str,
        *,
        claimed_at: datetime,
        status_code: int,
        answer: Any,
    ) -> bool:
        """Store the answer on the caller's own pending row; ``False`` if it is not there."""
        async with self._db.writer.begin() as conn:
            result = await conn.execute(
                update(keys)
                .where(
                    _key(api_key_id, key),
                    keys.c.status_code.is_(None),
                    keys.c.created_at == claimed_at,
                )
                .values(status_code=status_code, response_body=codec.dumps(answer))
            )
        return result.rowcount == 1

    async def release(self, api_key_id: uuid.UUID, key: str, *, claimed_at: datetime) -> bool:
        """Delete the caller's own pending row so the key can be claimed again."""
        async with self._db.writer.begin() as conn:
            result = await conn.execute(
                delete(keys).where(
                    _key(api_key_id, key),
                    keys.c.status_code.is_(None),
                    keys.c.created_at == claimed_at,
                )
            )
        return result.rowcount == 1

    async def purge(self, *, before: datetime) -> int:
        """Delete every row created before ``before`` (expired keys); returns how many."""
        async with self._db.writer.begin() as conn:
            result = await conn.execute(delete(keys).where(keys.c.created_at < before))
        return result.rowcount
