"""In-process publish/subscribe of response progress.

The write path reports to the hub (it is the :class:`~omni_server.domain.progress.
ProgressSink` of the stores and the recorder); every request that watches a response holds a
:class:`Watch`. A watch keeps only the latest :class:`~omni_server.domain.progress.State`:
since content only grows, the events a watcher still needs are computed from its own cursor
and that state (see ``domain/progress.py``), so the hub needs no replay buffer and a slow
watcher never makes the hub hold more than one state per response.

A bridge (``events/pg.py``) may carry what the hub publishes to other processes and offer
what they publish through :meth:`EventHub.offer`.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Protocol

from omni_server.domain.lifecycle import ResponseStatus
from omni_server.domain.models import Claim, Part, Response
from omni_server.domain.progress import State


class Outbound(Protocol):
    """Carries local progress elsewhere; ``state=None`` means "changed, read it again"."""

    def send(self, response_id: uuid.UUID, state: State | None, *, persisted: bool) -> None: ...


class Watch:
    """One watcher's view of one response: the newest state and a wake-up signal.

    ``stored_only`` watchers (long polls, which answer from the database) are not woken by
    live deltas that are not persisted yet.
    """

    def __init__(self, hub: EventHub, response_id: uuid.UUID, *, stored_only: bool) -> None:
        self.response_id = response_id
        self.stored_only = stored_only
        self.state: State | None = None
        self._hub = hub
        self._changed = asyncio.Event()

    def offer(self, state: State) -> None:
        """Keep ``state`` if it is newer than what this watch holds, and wake the watcher."""
        if self.state is None or state.newer_than(self.state):
            self.state = state
            self._changed.set()

    def poke(self) -> None:
        self._changed.set()

    async def wait(self, timeout: float) -> bool:
        """Wait for a change; ``False`` when ``timeout`` seconds passed without one."""
        try:
            async with asyncio.timeout(max(timeout, 0)):
                await self._changed.wait()
        except TimeoutError:
            return False
        self._changed.clear()
        return True

    def close(self) -> None:
        self._hub.forget(self)

    def __enter__(self) -> Watch:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class EventHub:
    """Fan-out of progress to the watches of this process (and to a bridge, if any)."""

    def __init__(self) -> None:
        self._watches: dict[uuid.UUID, set[Watch]] = {}
        self.outbound: Outbound | None = None

    def watch(self, response_id: uuid.UUID, *, stored_only: bool = False) -> Watch:
        """Start watching; subscribe *before* reading the response so nothing is missed."""
        watch = Watch(self, response_id, stored_only=stored_only)
        self._watches.setdefault(response_id, set()).add(watch)
        return watch

    def forget(self, watch: Watch) -> None:
        watches = self._watches.get(watch.response_id)
        if watches is not None:
            watches.discard(watch)
            if not watches:
                del self._watches[watch.response_id]

    def watching(self, response_id: uuid.UUID) -> bool:
        return response_id in self._watches

    def latest(self, response_id: uuid.UUID) -> State | None:
        """The newest state any watch of ``response_id`` holds."""
        best: State | None = None
        for watch in self._watches.get(response_id, ()):
            if watch.state is not None and (best is None or watch.state.newer_than(best)):
                best = watch.state
        return best

    @property
    def watch_count(self) -> int:
        return sum(len(w) for w in self._watches.values())

    def offer(self, response_id: uuid.UUID, state: State | None, *, persisted: bool) -> None:
        """Hand ``state`` to the watches of ``response_id``; ``None`` only wakes long polls."""
        for watch in list(self._watches.get(response_id, ())):
            if state is not None and not (watch.stored_only and not persisted):
                watch.offer(state)
            elif persisted:
                watch.poke()

    # -- ProgressSink: called by the write path of this process ---------------------------

    def live(self, claim: Claim, parts: list[Part]) -> None:
        response_id = claim.response.id
        if self.outbound is None and response_id not in self._watches:
            return
        # Copies: the recorder keeps extending its own dicts after this call.
        state = State(claim.attempt, ResponseStatus.RUNNING, tuple(dict(p) for p in parts))
        self.offer(response_id, state, persisted=False)
        if self.outbound is not None:
            self.outbound.send(response_id, state, persisted=False)

    def claimed(self, claim: Claim) -> None:
        state = State(claim.attempt, ResponseStatus.RUNNING, claim.response.parts)
        self._publish(claim.response.id, state)

    def stored(self, claim: Claim) -> None:
        self._publish(claim.response.id, None)

    def finalized(self, response: Response) -> None:
        self._publish(response.id, State.of(response))

    def _publish(self, response_id: uuid.UUID, state: State | None) -> None:
        self.offer(response_id, state, persisted=True)
        if self.outbound is not None:
            self.outbound.send(response_id, state, persisted=True)
