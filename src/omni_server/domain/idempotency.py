"""What an idempotency key holds, and when a held key stops counting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Horizon:
    """The cut-offs that make a row dead: older than ``live_after``, or pending and older
    than ``pending_after``."""

    live_after: datetime
    pending_after: datetime


@dataclass(frozen=True, slots=True)
class StoredKey:
    """A live row: the request it was claimed for and, once answered, the answer."""

    request_hash: str
    created_at: datetime
    status_code: int | None = None
    answer: Any = None

    @property
    def pending(self) -> bool:
        return self.status_code is None
