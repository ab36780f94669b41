"""Page requests and cursors: which slice of an ordered list a caller asked for.

Cursors are keyset positions (the sort key of the row to continue after), so a page deep in a
long history costs the same as the first. Tokens are opaque Base64URL JSON to clients.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Direction(StrEnum):
    NEXT = "n"
    PREVIOUS = "p"


@dataclass(frozen=True, slots=True)
class Cursor:
    direction: Direction
    key: tuple[Any, ...]
    size: int


@dataclass(frozen=True, slots=True)
class PageRequest:
    size: int
    cursor: Cursor | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: Cursor | None
    previous_cursor: Cursor | None


class InvalidToken(ValueError):
    """A page token that this server did not issue."""


def encode_token(cursor: Cursor) -> str:
    raw = json.dumps([cursor.direction.value, list(cursor.key), cursor.size], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_token(token: str) -> Cursor:
    """Parse a token; raises ``InvalidToken`` for anything this server would not produce."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        direction, key, size = json.loads(raw)
        cursor = Cursor(Direction(direction), tuple(key), int(size))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidToken(token) from exc
    if type(size) is not int or not 1 <= cursor.size <= 100 or not cursor.key:
        raise InvalidToken(token)
    if not all(_plausible(part) for part in cursor.key):
        raise InvalidToken(token)
    return cursor


MAX_KEY_TEXT = 64
"""Key parts this server writes are ISO timestamps and UUIDs: far shorter than this."""


def _plausible(part: Any) -> bool:
    """Whether a key part is of a kind and range this server writes into tokens.

    Tokens are not signed: every field is range-checked instead (here and where the store
    reads a key), so a forged token is refused with 400 before it reaches a query, and any
    token that passes is one the server could have issued.
    """
    if type(part) is int:
        return 0 <= part < 2**63
    return isinstance(part, str) and len(part) <= MAX_KEY_TEXT
