"""``omni worker``: a process that runs turns and serves no API.

It claims turns from the shared database (PostgreSQL, woken by notifications; SQLite works
too, by polling, for a single machine), heartbeats its leases and reaps expired ones. On
SIGTERM it drains: no new claims, running turns get ``shutdown_grace`` seconds, the rest end
as ``worker_lost``; then it exits 0. SIGINT drains the same way (Ctrl-C); a second signal
stops at once.
"""

from __future__ import annotations

import asyncio
import logging
import signal

import uvicorn

from omni_server.engines import registry
from omni_server.events.hub import EventHub
from omni_server.events.pg import bridge_for
from omni_server.settings import Settings
from omni_server.store import migrate
from omni_server.store.db import Database
from omni_server.store.queries import QueryStore
from omni_server.worker.assembly import build_runner
from omni_server.worker.http import EmbeddedServer, worker_app

log = logging.getLogger("omni.worker")


async def run_worker(settings: Settings, *, host: str, port: int | None) -> None:
    """Run until SIGTERM or SIGINT, then drain and return."""
    db = Database.open(settings.database_url, pool_size=settings.db_pool_size)
    try:
        if settings.migrate_on_start:
            await migrate.upgrade(db.writer)
        # Live events: what this worker's engines produce reaches the API servers' streams
        # through the PostgreSQL bridge (on SQLite there is no other process to tell).
        hub = EventHub()
        runner = build_runner(db, settings, registry.build(settings), hub)
        bridge = bridge_for(settings.database_url, hub, QueryStore(db))
        if bridge is not None:
            await bridge.start()
        stop = _stop_event()
        await runner.start()
        server = None
        serving = None
        if port is not None:
            app = worker_app(db, draining=lambda: runner.draining, running=lambda: runner.running)
            config = uvicorn.Config(
                app, host=host, port=port, log_level=settings.log_level, access_log=False
            )
            server = EmbeddedServer(config)
            serving = asyncio.create_task(server.serve())
        log.info(
            "worker %s running up to %d turns (%d per account)",
            runner.worker_id,
            settings.max_running,
            settings.per_account_cap,
        )
        await stop.wait()
        stop.clear()
        drain = asyncio.create_task(runner.drain(settings.shutdown_grace))
        second = asyncio.create_task(stop.wait())
        await asyncio.wait([drain, second], return_when=asyncio.FIRST_COMPLETED)
        if not drain.done():
            log.warning("second signal: stopping now")
            await runner.stop()
            drain.cancel()
        second.cancel()
        if server is not None and serving is not None:
            server.should_exit = True
            await serving
        if bridge is not None:
            await bridge.stop()
    finally:
        loop = asyncio.get_running_loop()
        for sig in SIGNALS:
            loop.remove_signal_handler(sig)
        await db.close()


SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    return stop
