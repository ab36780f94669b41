"""Collects an engine's output and persists it, fenced by the claim's attempt."""

from __future__ import annotations

import asyncio
import time

from omni_server.domain.models import Claim, Part
from omni_server.store.turns import TurnStore


class Fenced(Exception):
    """The claim may no longer write: the response was canceled or its lease was reaped."""


class TurnRecorder:
    """The :class:`~omni_server.engines.base.TurnOutput` the runner hands to engines.

    Text deltas are persisted at most every ``interval`` seconds (a poll sees them that fresh
    and a cancel keeps them); new parts are persisted at once. A write that matches no row
    raises :class:`Fenced`, which is how a canceled engine learns to stop even without the
    in-process signal.
    """

    def __init__(self, store: TurnStore, claim: Claim, *, interval: float) -> None:
        self.parts: list[Part] = [dict(p) for p in claim.response.parts]
        self._store = store
        self._claim = claim
        self._interval = interval
        self._dirty = False
        self._flushed_at = time.monotonic()
        self.usage: tuple[int, int] | None = None

    async def add_part(self, part: Part) -> None:
        self.parts.append(part)
        await self._changed(urgent=True)

    async def append_text(self, delta: str) -> None:
        last = self.parts[-1] if self.parts else None
        if last is not None and last.get("type") == "text":
            last["text"] = last["text"] + delta
            await self._changed(urgent=False)
        else:  # the answer starts: a poll should see it at once
            self.parts.append({"type": "text", "text": delta})
            await self._changed(urgent=True)

    async def add_thought(self, thought: str) -> None:
        last = self.parts[-1] if self.parts else None
        if last is not None and last.get("type") == "thinking":
            last["thoughts"] = [*last["thoughts"], thought]
        else:
            self.parts.append({"type": "thinking", "thoughts": [thought]})
        await self._changed(urgent=True)

    async def append_thought(self, delta: str) -> None:
        last = self.parts[-1] if self.parts else None
        if last is not None and last.get("type") == "thinking" and last["thoughts"]:
            last["thoughts"] = [*last["thoughts"][:-1], last["thoughts"][-1] + delta]
            await self._changed(urgent=False)
        else:
            await self.add_thought(delta)

    def record_usage(self, prompt_tokens: int, completion_tokens: int) -> None:
        before = self.usage or (0, 0)
        self.usage = (before[0] + prompt_tokens, before[1] + completion_tokens)

    async def flush(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self._flushed_at = time.monotonic()
        # Shielded: on PostgreSQL a write yields to the loop, and a cancel arriving then stops
        # the engine after the write instead of abandoning a transaction half-way.
        write = self._store.record_progress(self._claim, [dict(p) for p in self.parts])
        if not await asyncio.shield(write):
            raise Fenced(str(self._claim.response.id))

    async def _changed(self, *, urgent: bool) -> None:
        # Watchers see every delta as it is produced, before (and whether or not) it is saved.
        self._store.progress.live(self._claim, self.parts)
        self._dirty = True
        if urgent or time.monotonic() - self._flushed_at >= self._interval:
            await self.flush()
