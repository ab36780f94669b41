"""An API key as operators see it (never its secret: only a hash of it is stored)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class KeyRecord:
    id: uuid.UUID
    name: str
    prefix: str
    accounts: frozenset[int]
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None = None
