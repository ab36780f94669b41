"""The PostgreSQL event bridge carries progress between processes and survives a lost backend.

Two bridges on one database stand for two processes: what one hub publishes reaches the
watches of the other. Then the database drops every connection of theirs (as a restart
would); each bridge reopens its own, and progress flows again.
"""

from __future__ import annotations

import uuid

import asyncpg  # type: ignore[import-untyped]

from omni_server.domain.lifecycle import ResponseStatus
from omni_server.domain.progress import State
from omni_server.events.hub import EventHub
from omni_server.events.pg import PgBridge, bridge_for
from omni_server.store.db import Database
from omni_server.store.queries import QueryStore
from omni_server.worker.signals import asyncpg_arguments
from tests.e2e import scale_support
from tests.support import wait_for

postgres_url = scale_support.postgres_url


def state(text: str) -> State:
    return State(1, ResponseStatus.RUNNING, ({"type": "text", "text": text},))


async def _drop_connections(database_url: str) -> None:
    admin = await asyncpg.connect(**asyncpg_arguments(database_url))
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()


async def test_progress_crosses_processes_and_the_bridge_reconnects(postgres_url: str) -> None:
    hubs = (EventHub(), EventHub())
    bridges: list[PgBridge] = []
    db = Database.open(postgres_url)  # opens no connection unless something reads
    for hub in hubs:
        bridge = bridge_for(postgres_url, hub, QueryStore(db))
        assert bridge is not None
        bridge.check_seconds = 0.05
        await bridge.start()
        bridges.append(bridge)
    sender, receiver = hubs
    rid = uuid.uuid4()
    try:
        with receiver.watch(rid) as watch:

            async def saw(text: str) -> bool:
                parts = watch.state.parts if watch.state is not None else ()
                return bool(parts) and parts[0]["text"] == text

            # The watch starts from what its stream's snapshot read: the turn, no text yet.
            receiver.offer(rid, State(1, ResponseStatus.RUNNING, ()), persisted=True)
            assert sender.outbound is not None
            sender.outbound.send(rid, state("Hel"), persisted=False)
            await wait_for(lambda: saw("Hel"), timeout=5)

            await _drop_connections(postgres_url)

            async def reconnected() -> bool:
                return all(b.reconnects >= 1 and b.connected for b in bridges)

            await wait_for(reconnected, timeout=10)
            sender.outbound.send(rid, state("Hello"), persisted=False)
            await wait_for(lambda: saw("Hello"), timeout=5)
    finally:
        for bridge in bridges:
            await bridge.stop()
        await db.close()
