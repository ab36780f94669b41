"""API keys and the accounts they reach."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from omni_server.domain import errors
from omni_server.domain.ids import new_id, utcnow
from omni_server.domain.keys import KeyRecord
from omni_server.services.ports import KeyRepository

KEY_PREFIX = "omni_"
TOUCH_INTERVAL = 60.0


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller behind a key: which accounts it may act for."""

    key_id: uuid.UUID
    accounts: frozenset[int]

    def require(self, account_id: int) -> None:
        """Raise ``PermissionDenied`` unless the key was granted ``account_id``."""
        if account_id not in self.accounts:
            raise errors.PermissionDenied()


def hash_key(key: str) -> str:
    # Keys carry 256 random bits, so a fast hash is as safe as a slow one and keeps auth cheap.
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class NewKey:
    record_id: uuid.UUID
    secret: str


class KeyService:
    """Issues and checks keys. Lookups are cached for ``cache_seconds`` (a revoke takes at most
    that long to reach a running server).

    ``clock`` (monotonic seconds) times the cache and the ``last_used_at`` throttle; tests pass
    their own to cross those intervals without waiting.
    """

    def __init__(
        self,
        store: KeyRepository,
        *,
        cache_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._ttl = cache_seconds
        self._clock = clock
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._touched: dict[uuid.UUID, float] = {}

    async def create(self, *, accounts: frozenset[int], name: str) -> NewKey:
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        key_id = new_id()
        await self._store.add(
            key_id=key_id,
            name=name,
            prefix=secret[:12],
            key_hash=hash_key(secret),
            accounts=accounts,
            now=utcnow(),
        )
        return NewKey(key_id, secret)

    async def list(self) -> list[KeyRecord]:
        return await self._store.all()

    async def revoke(self, key_id: uuid.UUID) -> bool:
        self._cache.clear()
        return await self._store.revoke(key_id, utcnow())

    async def authenticate(self, authorization: str | None) -> Principal:
        """The principal for an ``Authorization`` header; raises ``Unauthenticated``."""
        scheme, _, key = (authorization or "").partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            raise errors.Unauthenticated()
        digest = hash_key(key)
        cached = self._cache.get(digest)
        now = self._clock()
        if cached is not None and now - cached[0] < self._ttl:
            principal = cached[1]
        else:
            record = await self._store.by_hash(digest)
            principal = None if record is None else Principal(record.id, record.accounts)
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (now, principal)
        if principal is None:
            raise errors.Unauthenticated()
        await self._touch(principal.key_id, now)
        return principal

    async def _touch(self, key_id: uuid.UUID, now: float) -> None:
        """Keep ``last_used_at`` current to the minute: at most one write per key a minute."""
        last = self._touched.get(key_id)
        if last is not None and now - last < TOUCH_INTERVAL:
            return
        if len(self._touched) > 10_000:
            self._touched.clear()
        self._touched[key_id] = now
        await self._store.touch(key_id, utcnow())
