"""Identifiers and time: UUIDv7 for resources (time-ordered), aware UTC timestamps."""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import UTC, datetime

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def new_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): 48-bit millisecond time, then a 12-bit counter and random bits.

    The counter keeps ids created within one millisecond strictly increasing in this process,
    so ordering by id is ordering by creation.
    """
    global _last_ms, _counter
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            _last_ms, _counter = ms, int.from_bytes(os.urandom(2), "big") & 0x3FF
        else:
            _counter += 1
            if _counter > 0xFFF:
                _last_ms, _counter = _last_ms + 1, 0
            ms = _last_ms
    rand = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms << 80) | (0x7 << 76) | (_counter << 64) | (0b10 << 62) | rand
    return uuid.UUID(int=value)


def utcnow() -> datetime:
    return datetime.now(UTC)


def isoformat(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds and ``+00:00``, the contract's timestamp format.

    The one place the server writes a timestamp as text: answers (``api/wire.py``), stored
    context snapshots, page tokens and the command line all go through it, and
    ``api/schemas.py`` pins the form with a pattern.
    """
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
