"""Request-rate limits as data: parsing ``"20/s burst 40"`` and the token bucket itself.

Pure: the clock is an argument, so the bucket is tested without sleeping.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_UNITS = {"s": 1.0, "sec": 1.0, "second": 1.0, "m": 60.0, "min": 60.0, "minute": 60.0, "h": 3600.0}
_RATE = re.compile(
    r"^\s*(?P<count>\d+(?:\.\d+)?)\s*/\s*(?P<unit>[a-z]+)\s*(?:burst\s+(?P<burst>\d+))?\s*$"
)
OFF = ("", "off", "none", "0")
RATE_HELP = 'a rate like "20/s burst 40" (units s, min, h; burst defaults to the rate), or "off"'


@dataclass(frozen=True, slots=True)
class RateLimit:
    """``per_second`` tokens are added each second, up to ``burst``; a request takes one."""

    per_second: float
    burst: int


def parse_rate(text: str) -> RateLimit | None:
    """``None`` for no limit; raises ``ValueError`` naming the accepted forms."""
    if text.strip().lower() in OFF:
        return None
    match = _RATE.match(text.lower())
    if match is None or match["unit"] not in _UNITS:
        raise ValueError(f"{text!r} is not {RATE_HELP}")
    count = float(match["count"])
    if count <= 0:
        raise ValueError(f"{text!r} is not {RATE_HELP}")
    per_second = count / _UNITS[match["unit"]]
    burst = int(match["burst"]) if match["burst"] else max(1, math.ceil(count))
    if burst < 1:
        raise ValueError(f"{text!r}: the burst must be at least 1")
    return RateLimit(per_second=per_second, burst=burst)


@dataclass(slots=True)
class TokenBucket:
    """A full bucket at ``now``; :meth:`take` spends a token or says how long to wait."""

    limit: RateLimit
    tokens: float
    updated: float

    @classmethod
    def full(cls, limit: RateLimit, now: float) -> TokenBucket:
        return cls(limit=limit, tokens=float(limit.burst), updated=now)

    def take(self, now: float) -> float:
        """Spend one token: ``0.0`` when allowed, else the seconds until one is available."""
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(float(self.limit.burst), self.tokens + elapsed * self.limit.per_second)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.limit.per_second
