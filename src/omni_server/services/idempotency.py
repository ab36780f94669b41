"""Run a request once per ``Idempotency-Key``, and replay its answer to every repeat.

The rules (contract section 3, and our decisions where it is silent):

- A key belongs to the API key that sent it; another API key may use the same string freely.
- The first request to claim a key runs. Its 200 answer is stored for ``ttl`` (24 h) and
  replayed, without running anything, to every later request with the same key and the same
  request (method, path and JSON body, compared after canonicalization, so key order and
  whitespace do not matter).
- The same key with a different request: 422 :data:`KEY_REUSED`, whatever state the key is in.
- Requests that arrive while the first one is still running wait for its answer (up to
  ``wait`` seconds, then 409 :data:`KEY_IN_PROGRESS`) and replay it.
- Errors are not remembered: when the request fails (any 4xx, or an unexpected error), its
  claim is released and the key is free again, so a retry with the same key is evaluated
  afresh (for example, after a 409 "active response" the same request succeeds once the
  turn has ended). Waiting requests then claim the key themselves, one at a time.
- A claim whose request died before answering (a crash between claiming and answering) is
  abandoned after ``abandon_after``; the next request with that key then runs.
- Keys older than ``ttl`` are ignored, and purged from time to time.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from omni_server.domain import errors
from omni_server.domain.idempotency import Horizon, StoredKey
from omni_server.domain.ids import utcnow
from omni_server.services.ports import IdempotencyRepository

KEY_MAX_LENGTH = 255
KEY_LENGTH = "Idempotency-Key must be 1 to 255 characters"
KEY_REUSED = "Idempotency-Key was already used with a different request"
KEY_IN_PROGRESS = "Idempotency-Key is in use by a request that is still in progress"

_FIRST_POLL = 0.01
_LAST_POLL = 0.2


@dataclass(frozen=True, slots=True)
class Outcome:
    """The answer's data, and whether it was replayed from an earlier request."""

    data: Any
    replayed: bool


def check_key(key: str) -> None:
    """Raise ``InvalidRequest`` unless the key has 1 to 255 characters."""
    if not 1 <= len(key) <= KEY_MAX_LENGTH:
        raise errors.InvalidRequest(KEY_LENGTH)


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """SHA-256 of the method, the path and the body as canonical JSON (sorted keys, compact).

    Two bodies that differ only in whitespace or key order are the same request. A body that
    is not JSON is hashed as it is.
    """
    try:
        canonical = json.dumps(
            json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
    except (ValueError, RecursionError):
        canonical = body
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), canonical):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class IdempotencyService:
    """Run-once-or-replay around a callable, per (API key, ``Idempotency-Key``)."""

    def __init__(
        self,
        store: IdempotencyRepository,
        *,
        ttl: timedelta = timedelta(hours=24),
        wait: float = 10.0,
        abandon_after: timedelta = timedelta(minutes=5),
        purge_interval: float = 600.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._store = store
        self._ttl = ttl
        self._wait = wait
        self._abandon_after = abandon_after
        self._purge_interval = purge_interval
        self._clock = clock
        self._next_purge = 0.0

    async def run(
        self,
        api_key_id: uuid.UUID,
        key: str,
        fingerprint: str,
        action: Callable[[], Awaitable[Any]],
    ) -> Outcome:
        """Run ``action`` unless this key already has an answer for this request.

        ``action`` returns the JSON-shaped data of a 200 answer; whatever it raises passes
        through (after releasing the key). Raises ``InvalidRequest`` for a malformed key,
        ``InvalidBody`` (:data:`KEY_REUSED`) for a different request under a known key, and
        ``Conflict`` (:data:`KEY_IN_PROGRESS`) when the first request is still running after
        ``wait`` seconds.
        """
        check_key(key)
        settled = await self._settle(api_key_id, key, fingerprint)
        if isinstance(settled, StoredKey):
            return Outcome(settled.answer, replayed=True)
        await self._purge_now_and_then(settled)
        try:
            data = await action()
        except BaseException:
            await self._store.release(api_key_id, key, claimed_at=settled)
            raise
        await self._store.complete(
            api_key_id, key, claimed_at=settled, status_code=200, answer=data
        )
        return Outcome(data, replayed=False)

    async def _settle(
        self, api_key_id: uuid.UUID, key: str, fingerprint: str
    ) -> datetime | StoredKey:
        """Claim the key (returns the claim's timestamp) or wait for the holder's answer."""
        deadline = time.monotonic() + self._wait
        delay = _FIRST_POLL
        now = self._clock()
        found = await self._store.claim(
            api_key_id, key, fingerprint, now=now, horizon=self._horizon(now)
        )
        while True:
            if found is None:
                return now
            if found.request_hash != fingerprint:
                raise errors.InvalidBody(KEY_REUSED)
            if not found.pending:
                return found
            if time.monotonic() >= deadline:
                raise errors.Conflict(KEY_IN_PROGRESS)
            await asyncio.sleep(delay)
            delay = min(delay * 2, _LAST_POLL)
            now = self._clock()
            found = await self._store.get(api_key_id, key, horizon=self._horizon(now))
            if found is None:  # the holder failed and released the key: try to take it
                found = await self._store.claim(
                    api_key_id, key, fingerprint, now=now, horizon=self._horizon(now)
                )

    def _horizon(self, now: datetime) -> Horizon:
        return Horizon(live_after=now - self._ttl, pending_after=now - self._abandon_after)

    async def _purge_now_and_then(self, now: datetime) -> None:
        """Delete expired keys at most once per ``purge_interval`` (keeps the table small)."""
        moment = time.monotonic()
        if moment < self._next_purge:
            return
        self._next_purge = moment + self._purge_interval
        await self._store.purge(before=now - self._ttl)
