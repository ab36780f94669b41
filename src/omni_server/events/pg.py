"""Progress across processes on PostgreSQL: ``NOTIFY``/``LISTEN`` on one channel.

Each process sends what its own hub publishes and offers what others send to its hub. A live
notification carries the events since the last one this process sent for that response
(``b`` base position, ``e`` events), so payloads stay small; a receiver whose watchers hold at
least the base rebuilds the new state from it (``domain.progress.truncate`` + ``apply``). A
terminal change, a persisted-progress tick, a payload over NOTIFY's 8000-byte limit, or a
receiver that is behind the base all fall back to a hint: the receiver re-reads the response
from the database. Notifications of one sender arrive in order, because one task sends them
all on one connection; the pending state of a response is coalesced while a send is under way.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from omni_server.domain.lifecycle import ResponseStatus
from omni_server.domain.progress import Position, State, apply, changes, position, truncate
from omni_server.events.hub import EventHub
from omni_server.store.queries import QueryStore

log = logging.getLogger("omni.events")

CHANNEL = "omni_events"
MAX_PAYLOAD = 7900  # PostgreSQL refuses payloads of 8000 bytes or more


def bridge_for(database_url: str, hub: EventHub, queries: QueryStore) -> PgBridge | None:
    """A bridge when the database is PostgreSQL; ``None`` (one process only) otherwise."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return None
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    return PgBridge(dsn, hub, queries)


class PgBridge:
    def __init__(self, dsn: str, hub: EventHub, queries: QueryStore) -> None:
        self._dsn = dsn
        self._hub = hub
        self._queries = queries
        self._origin = uuid.uuid4().hex[:12]
        self._pending: dict[uuid.UUID, tuple[State | None, bool]] = {}
        self._sent: dict[uuid.UUID, tuple[int, Position]] = {}
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._listener: asyncpg.Connection | None = None
        self._sender: asyncpg.Connection | None = None
        self._loop_task: asyncio.Task[None] | None = None
        self._keeper: asyncio.Task[None] | None = None
        self.check_seconds = 1.0
        self.reconnects = 0

    async def start(self) -> None:
        await self._connect()
        self._loop_task = asyncio.create_task(self._send_loop(), name="omni-events-notify")
        self._keeper = asyncio.create_task(self._keep_connected(), name="omni-events-keeper")
        self._hub.outbound = self

    async def stop(self) -> None:
        self._hub.outbound = None
        for loop_task in (self._loop_task, self._keeper):
            if loop_task is not None:
                loop_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await loop_task
        for task in list(self._tasks):
            task.cancel()
        await self._disconnect()

    @property
    def connected(self) -> bool:
        return all(c is not None and not c.is_closed() for c in (self._listener, self._sender))

    async def _connect(self) -> None:
        self._listener = await asyncpg.connect(self._dsn)
        self._sender = await asyncpg.connect(self._dsn)
        await self._listener.add_listener(CHANNEL, self._received)

    async def _disconnect(self) -> None:
        for conn in (self._listener, self._sender):
            if conn is not None and not conn.is_closed():
                with contextlib.suppress(Exception):
                    await conn.close(timeout=2)
        self._listener = self._sender = None

    async def _keep_connected(self) -> None:
        """Reopen both connections when one is lost (a database restart, a killed backend).

        Until then streams on this process advance at their keep-alive re-reads, and what
        this process sends is lost: both cost latency, never correctness.
        """
        while True:
            await asyncio.sleep(self.check_seconds)
            if self.connected:
                continue
            await self._disconnect()
            try:
                await self._connect()
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                log.warning("event bridge cannot reconnect yet: %s", exc)
                await self._disconnect()
            else:
                self.reconnects += 1
                log.info("event bridge reconnected")

    # -- sending -----------------------------------------------------------------------------

    def send(self, response_id: uuid.UUID, state: State | None, *, persisted: bool) -> None:
        previous = self._pending.get(response_id)
        # A persisted hint must not be lost when a live state replaces it, nor the reverse.
        persisted = persisted or (previous is not None and previous[1])
        if state is None and previous is not None:
            state = previous[0]
        self._pending[response_id] = (state, persisted)
        self._wake.set()

    async def _send_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            pending, self._pending = self._pending, {}
            for response_id, (state, persisted) in pending.items():
                try:
                    payload = self._payload(response_id, state, persisted)
                    if self._sender is None:
                        continue  # reconnecting: watchers elsewhere catch up by re-reading
                    await self._sender.execute("SELECT pg_notify($1, $2)", CHANNEL, payload)
                except Exception:  # a lost notification only delays watchers to the next one
                    log.exception("could not notify progress of %s", response_id)

    def _payload(self, response_id: uuid.UUID, state: State | None, persisted: bool) -> str:
        hint = {"o": self._origin, "r": str(response_id), "p": persisted}
        if state is None or state.final is not None:
            self._sent.pop(response_id, None)
            return json.dumps(hint)
        attempt, base = self._sent.get(response_id, (state.attempt, (0, 0)))
        if attempt != state.attempt:
            base = (0, 0)
        self._sent[response_id] = (state.attempt, position(state.parts))
        body = {
            **hint,
            "a": state.attempt,
            "s": state.status.value,
            "b": list(base),
            "e": changes(state.parts, base),
        }
        text = json.dumps(body, separators=(",", ":"))
        return text if len(text.encode()) <= MAX_PAYLOAD else json.dumps(hint)

    # -- receiving ---------------------------------------------------------------------------

    def _received(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            message = json.loads(payload)
            response_id = uuid.UUID(message["r"])
        except (ValueError, KeyError, TypeError):
            return
        if message.get("o") == self._origin or not self._hub.watching(response_id):
            return
        state = self._rebuild(response_id, message)
        if state is not None:
            self._hub.offer(response_id, state, persisted=bool(message.get("p")))
            return
        task = asyncio.create_task(self._reread(response_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _rebuild(self, response_id: uuid.UUID, message: dict[str, Any]) -> State | None:
        """The sender's new state from a live notification, or ``None`` to re-read."""
        if "e" not in message:
            return None
        known = self._hub.latest(response_id)
        base = (int(message["b"][0]), int(message["b"][1]))
        if known is None or known.attempt != message["a"] or position(known.parts) < base:
            return None
        events = [(str(kind), data) for kind, data in message["e"]]
        parts = apply(truncate(known.parts, base), events)
        return State(int(message["a"]), ResponseStatus(message["s"]), tuple(parts))

    async def _reread(self, response_id: uuid.UUID) -> None:
        response = await self._queries.response(response_id)
        if response is not None:
            self._hub.offer(response_id, State.of(response), persisted=True)
