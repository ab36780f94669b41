"""RFC 3339 timestamps as chrono's ``DateTime<Utc>`` reads them, refused in chrono's words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Final

_TOO_SHORT: Final = "premature end of input"
_INVALID: Final = "input contains invalid characters"
_TOO_LONG: Final = "trailing input"
_OUT_OF_RANGE: Final = "input is out of range"


def parse_rfc3339(text: str) -> datetime:
    """Read an RFC 3339 timestamp as chrono's ``DateTime::from_str`` does, into UTC.

    Raises ``ValueError`` with chrono's words (``premature end of input``, ``input contains
    invalid characters``, ``trailing input``, ``input is out of range``). The ``T`` may be
    ``t`` or a space, the offset ``Z``, ``z``, ``+hh:mm`` or ``+hhmm``; digits of a fraction
    beyond microseconds are dropped.
    """
    index = _expect(text, 0, "0000-00-00T00:00:00")
    micros = 0
    if text[index : index + 1] == ".":
        end = index + 1
        while text[end : end + 1].isascii() and text[end : end + 1].isdigit():
            end += 1
        _expect(text, index + 1, "0")  # at least one digit
        micros, index = int(text[index + 1 : end][:6].ljust(6, "0")), end
    offset, index = _offset(text, index)
    if text[index:].strip():
        raise ValueError(_TOO_LONG)
    year, month, day, hour, minute, second = (
        int(text[a:b]) for a, b in ((0, 4), (5, 7), (8, 10), (11, 13), (14, 16), (17, 19))
    )
    try:
        zone = timezone(timedelta(minutes=offset))
        moment = datetime(year, month, day, hour, minute, second, micros, tzinfo=zone)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError(_OUT_OF_RANGE) from None


def _expect(text: str, start: int, shape: str) -> int:
    """Check ``text`` from ``start`` against ``shape`` (``0``: a digit, ``T``: a separator)."""
    for index, expected in enumerate(shape, start):
        if index >= len(text):
            raise ValueError(_TOO_SHORT)
        char = text[index]
        if expected == "0":
            valid = "0" <= char <= "9"
        else:
            valid = char in "Tt " if expected == "T" else char == expected
        if not valid:
            raise ValueError(_INVALID)
    return start + len(shape)


def _offset(text: str, index: int) -> tuple[int, int]:
    """The UTC offset in minutes, and the index after it."""
    sign = text[index : index + 1]
    if sign in ("Z", "z"):
        return 0, index + 1
    if sign not in ("+", "-"):
        raise ValueError(_INVALID if sign else _TOO_SHORT)
    shape = "00:00" if text[index + 3 : index + 4] == ":" else "0000"
    end = _expect(text, index + 1, shape)
    hours, minutes = int(text[index + 1 : index + 3]), int(text[end - 2 : end])
    if hours >= 24 or minutes >= 60:
        raise ValueError(_OUT_OF_RANGE)
    return (-1 if sign == "-" else 1) * (hours * 60 + minutes), end
