"""Made-up but stable market data for the built-in engine: tickers, quotes, price series.

Everything is derived from hashes of its inputs, so the same question always gets the same
numbers, with no network and no clock.
"""

from __future__ import annotations

import hashlib
import random
import re
import uuid
from datetime import UTC, date, datetime, timedelta

_TICKER = re.compile(r"\$?\b([A-Z]{1,5})\b")
_NOT_TICKERS = frozenset(
    {
        *("A", "I", "AM", "PM", "ET", "US", "USA", "CEO", "ETF", "AI", "OK", "IPO"),
        *("BUY", "SELL", "LIMIT", "STOP", "MARKET", "DAY", "GTC", "IOC", "FOK", "MOC", "MOO"),
        *("AND", "OR", "THE", "AT", "ON", "OF", "TO", "IN", "IS", "IT", "MY", "ME", "DO"),
        *("PNL", "USD", "EOD", "YTD", "EPS", "GDP", "CPI", "FED", "SEC", "NYSE", "IRA"),
    }
)

TIMEFRAMES = ("1D", "1W", "1M", "3M", "1Y", "5Y")
DEFAULT_TIMEFRAME = "1M"
_TIMEFRAME_WORDS = (
    ("5Y", re.compile(r"\b(5y|five years?|5 years?)\b", re.I)),
    ("1Y", re.compile(r"\b(1y|one year|a year|past year|this year|12 months|ytd)\b", re.I)),
    ("3M", re.compile(r"\b(3m|three months|3 months|quarter)\b", re.I)),
    ("1M", re.compile(r"\b(1m|one month|a month|past month|this month|30 days)\b", re.I)),
    ("1W", re.compile(r"\b(1w|one week|a week|past week|this week|5 days)\b", re.I)),
    ("1D", re.compile(r"\b(1d|today|intraday)\b", re.I)),
)
# (number of points, days between points; 0 means half-hours of one session)
_SHAPE = {"1D": (14, 0), "1W": (5, 1), "1M": (21, 1), "3M": (13, 7), "1Y": (12, 30), "5Y": (20, 91)}
_FALLBACK_DAY = date(2026, 1, 2)


def tickers_in(text: str) -> list[str]:
    """Upper-case words that look like tickers, in order of appearance, without repeats."""
    found = dict.fromkeys(m.group(1) for m in _TICKER.finditer(text))  # linear, keeps order
    return [symbol for symbol in found if symbol not in _NOT_TICKERS]


def quote(symbol: str) -> tuple[float, float]:
    """A made-up but stable (price, change %) for a symbol."""
    digest = hashlib.sha256(symbol.encode()).digest()
    price = 20 + int.from_bytes(digest[:2], "big") % 48000 / 100
    change = (int.from_bytes(digest[2:4], "big") % 800 - 400) / 100
    return round(price, 2), change


def link(symbol: str) -> str:
    """The contract's ticker markup in text: ``[AAPL](ticker:AAPL)``."""
    return f"[{symbol}](ticker:{symbol})"


def money(value: float) -> str:
    return f"${value:,.2f}"


def timeframe_in(text: str) -> str:
    """The chart timeframe a prompt asks for (``1D`` ... ``5Y``), ``1M`` when it names none."""
    for timeframe, pattern in _TIMEFRAME_WORDS:
        if pattern.search(text):
            return timeframe
    return DEFAULT_TIMEFRAME


def anchor_day(response_id: uuid.UUID) -> date:
    """The last trading day a chart ends on: the day the turn was created.

    Read from the UUIDv7 time of the response id, so that the same turn always draws the
    same chart; other ids fall back to a fixed day.
    """
    day = _FALLBACK_DAY
    if response_id.version == 7:
        millis = response_id.int >> 80
        day = datetime.fromtimestamp(millis / 1000, UTC).date()
    return _trading_day(day)


def _trading_day(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _labels(timeframe: str, end: date) -> list[str]:
    count, step = _SHAPE[timeframe]
    if step == 0:
        return [f"{9 + (30 + 30 * i) // 60:02d}:{(30 + 30 * i) % 60:02d}" for i in range(count)]
    days = [end]
    while len(days) < count:
        previous = days[-1] - timedelta(days=step)
        days.append(_trading_day(previous) if step == 1 else previous)
    return [d.isoformat() for d in reversed(days)]


def price_series(symbol: str, timeframe: str, end: date) -> list[tuple[str, float]]:
    """A made-up price path for ``symbol`` over ``timeframe``, ending at its current quote."""
    labels = _labels(timeframe, end)
    seed = int.from_bytes(hashlib.sha256(f"{symbol}:{timeframe}".encode()).digest()[:8], "big")
    rng = random.Random(seed)
    volatility = {"1D": 0.004, "1W": 0.015, "1M": 0.015}.get(timeframe, 0.04)
    price = quote(symbol)[0]
    prices = [price]
    for _ in labels[1:]:
        price = max(1.0, price / (1 + rng.uniform(-volatility, volatility)))
        prices.append(price)
    return [(x, round(y, 2)) for x, y in zip(labels, reversed(prices), strict=True)]
