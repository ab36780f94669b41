"""The per-key request rate limit (one token bucket per API key, in this process).

The rate is per process: behind N server processes a key gets up to N times the rate. The
limit on *active turns* is counted in the database instead (see ``store/turns.py``), so it
holds across processes.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from omni_server.domain import errors
from omni_server.domain.ratelimit import RateLimit, TokenBucket

MAX_BUCKETS = 100_000


class RateLimiter:
    """Raises :class:`~omni_server.domain.errors.TooManyRequests` when a key is over its rate."""

    def __init__(
        self, limit: RateLimit | None, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limit = limit
        self._clock = clock
        self._buckets: dict[uuid.UUID, TokenBucket] = {}

    def check(self, key_id: uuid.UUID) -> None:
        if self._limit is None:
            return
        now = self._clock()
        bucket = self._buckets.get(key_id)
        if bucket is None:
            if len(self._buckets) >= MAX_BUCKETS:
                # Only live keys get here (the caller authenticated), so this is a safety net.
                self._buckets.clear()
            bucket = self._buckets[key_id] = TokenBucket.full(self._limit, now)
        wait = bucket.take(now)
        if wait > 0:
            raise errors.TooManyRequests(errors.RATE_LIMITED, limit="rate", retry_after=wait)
