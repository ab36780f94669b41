"""What services need from the rest of the system, as protocols."""

from __future__ import annotations

import uuid
from typing import Protocol


class TurnSignals(Protocol):
    """How services tell the runner about new and canceled turns.

    Both are hints: the runner also polls the database, so a lost signal delays but never
    loses work, and a canceled engine is fenced off by the store even if it never hears.
    """

    def turn_queued(self) -> None: ...

    def turn_canceled(self, response_id: uuid.UUID) -> None: ...
