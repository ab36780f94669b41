"""Rate-limit parsing and the token bucket, with a hand-driven clock."""

from __future__ import annotations

import uuid

import pytest

from omni_server.domain import errors
from omni_server.domain.ratelimit import RateLimit, TokenBucket, parse_rate
from omni_server.services.limits import RateLimiter


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20/s burst 40", RateLimit(per_second=20.0, burst=40)),
        ("20/s", RateLimit(per_second=20.0, burst=20)),
        ("120/min burst 10", RateLimit(per_second=2.0, burst=10)),
        ("3600/h", RateLimit(per_second=1.0, burst=3600)),
        ("0.5/s burst 1", RateLimit(per_second=0.5, burst=1)),
        (" 5 / second ", RateLimit(per_second=5.0, burst=5)),
        ("off", None),
        ("", None),
        ("OFF", None),
    ],
)
def test_parse_rate(text: str, expected: RateLimit | None) -> None:
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["fast", "20", "20/week", "0/s", "20/s burst 0", "-1/s", "2/s x"])
def test_parse_rate_refuses_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError, match=r"20/s burst 40|at least 1"):
        parse_rate(text)


def test_bucket_spends_its_burst_then_refills_at_the_rate() -> None:
    bucket = TokenBucket.full(RateLimit(per_second=2.0, burst=3), now=100.0)
    assert [bucket.take(100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(100.0) == pytest.approx(0.5)
    assert bucket.take(100.25) == pytest.approx(0.25)  # half a token came back
    assert bucket.take(100.5) == 0.0
    assert bucket.take(1000.0) == 0.0  # a long pause refills only up to the burst
    assert [bucket.take(1000.0) for _ in range(3)][-1] == pytest.approx(0.5)


def test_rate_limiter_counts_each_key_on_its_own() -> None:
    now = [0.0]
    limiter = RateLimiter(RateLimit(per_second=1.0, burst=2), clock=lambda: now[0])
    first, second = uuid.uuid4(), uuid.uuid4()
    limiter.check(first)
    limiter.check(first)
    with pytest.raises(errors.TooManyRequests) as refused:
        limiter.check(first)
    assert refused.value.limit == "rate" and refused.value.retry_after == pytest.approx(1.0)
    limiter.check(second)  # another key is not affected
    now[0] = 1.0
    limiter.check(first)


def test_no_limit_never_refuses() -> None:
    limiter = RateLimiter(None)
    key = uuid.uuid4()
    for _ in range(1000):
        limiter.check(key)
