"""When to retry a call and how long to wait first; pure decisions, no sleeping.

Retried: connection errors and timeouts, and the statuses 408, 409, 429 and 5xx. A server
can override the status rule with ``x-should-retry: true|false``. The pause honours
``retry-after-ms`` / ``retry-after`` when the server gives a reasonable one (up to a
minute); otherwise it is an exponential backoff from 0.5 s, doubling up to 8 s, shortened by
up to a quarter at random so that clients that failed together do not retry together.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable

import httpx

from clear_street._constants import INITIAL_RETRY_DELAY, MAX_RETRY_AFTER, MAX_RETRY_DELAY

RETRYABLE_STATUSES = frozenset({408, 409, 429})


def should_retry(response: httpx.Response) -> bool:
    """Whether a failed answer is worth another attempt."""
    override = response.headers.get("x-should-retry")
    if override == "true":
        return True
    if override == "false":
        return False
    return response.status_code in RETRYABLE_STATUSES or response.status_code >= 500


def retry_after(headers: httpx.Headers, now: Callable[[], float] = time.time) -> float | None:
    """The pause the server asked for, in seconds, or ``None`` if it asked for none."""
    milliseconds = _number(headers.get("retry-after-ms"))
    if milliseconds is not None:
        return milliseconds / 1000
    value = headers.get("retry-after")
    seconds = _number(value)
    if seconds is not None or value is None:
        return seconds
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return float(email.utils.mktime_tz(parsed)) - now()


def backoff(retries_taken: int, rand: Callable[[], float] = random.random) -> float:
    """Exponential backoff with jitter for the retry after ``retries_taken`` retries."""
    base = min(INITIAL_RETRY_DELAY * 2.0 ** min(retries_taken, 32), MAX_RETRY_DELAY)
    return base * (1 - 0.25 * rand())


class RetryBudget:
    """The retries left for one call, and the pause before the next one.

    The transports ask it after every failed attempt; ``None`` means "give up and raise".
    """

    def __init__(self, max_retries: int, rand: Callable[[], float] = random.random) -> None:
        self.max_retries = max_retries
        self.retries_taken = 0
        self._rand = rand

    def after_response(self, response: httpx.Response) -> float | None:
        """Pause before retrying after ``response``, or ``None`` to keep the answer."""
        if response.is_success or not should_retry(response):
            return None
        return self._take(retry_after(response.headers))

    def after_transport_error(self) -> float | None:
        """Pause before retrying after a connection error or timeout, or ``None``."""
        return self._take(None)

    def _take(self, requested: float | None) -> float | None:
        if self.retries_taken >= self.max_retries:
            return None
        if requested is not None and 0 < requested <= MAX_RETRY_AFTER:
            delay = requested
        else:
            delay = backoff(self.retries_taken, self._rand)
        self.retries_taken += 1
        return delay


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None
