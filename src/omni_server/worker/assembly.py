"""A runner wired to its stores and engine, the same in ``omni serve`` and ``omni worker``
(the engine itself comes from ``engines/registry.py``).

Both processes build their runner here (``app.py`` for the API process, ``worker/process.py``
for a worker), so a setting reaches the runner the same way wherever turns run.
"""

from __future__ import annotations

from omni_server.engines.base import Engine
from omni_server.events.hub import EventHub
from omni_server.settings import Settings
from omni_server.store.db import Database
from omni_server.store.entitlements import EntitlementStore
from omni_server.store.queries import QueryStore
from omni_server.store.turns import TurnStore
from omni_server.store.usage import UsageStore
from omni_server.worker.execution import TurnSettings
from omni_server.worker.runner import Runner
from omni_server.worker.signals import PostgresListener


def build_runner(
    db: Database, settings: Settings, engine: Engine, hub: EventHub | None = None
) -> Runner:
    return Runner(
        TurnStore(db, hub),
        QueryStore(db),
        engine,
        account_data=EntitlementStore(db),
        usage=UsageStore(db),
        max_running=settings.max_running,
        max_per_account=settings.per_account_cap,
        listener=PostgresListener(settings.database_url) if db.backend == "postgresql" else None,
        poll_interval=settings.poll_interval,
        lease_seconds=settings.lease_seconds,
        settings=TurnSettings(
            progress_interval=settings.progress_interval, turn_timeout=settings.turn_timeout
        ),
    )
