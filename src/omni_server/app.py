"""Composition root: builds the stores, services, engine and runner for one settings object."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from starlette.datastructures import State
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from omni_server.agreements import load_agreements
from omni_server.api.deps import Services
from omni_server.api.edge import EdgeMiddleware
from omni_server.api.reading.limits import BodyLimits
from omni_server.api.routes import routes
from omni_server.api.routing import IndexedRouter
from omni_server.domain.ratelimit import parse_rate
from omni_server.engines import registry
from omni_server.engines.base import Engine
from omni_server.events.hub import EventHub
from omni_server.events.pg import bridge_for
from omni_server.services.auth import KeyService
from omni_server.services.entitlements import EntitlementService
from omni_server.services.feedback import FeedbackService
from omni_server.services.idempotency import IdempotencyService
from omni_server.services.limits import RateLimiter
from omni_server.services.reads import ReadService
from omni_server.services.turns import TurnService
from omni_server.settings import Settings
from omni_server.shutdown import SigtermDrain
from omni_server.store import migrate
from omni_server.store.db import Database
from omni_server.store.entitlements import EntitlementStore
from omni_server.store.feedback import FeedbackStore
from omni_server.store.idempotency import IdempotencyStore
from omni_server.store.keys import KeyStore
from omni_server.store.probe import ReadinessProbe
from omni_server.store.queries import QueryStore
from omni_server.store.turns import TurnStore
from omni_server.worker.assembly import build_runner
from omni_server.worker.signals import NoSignals

log = logging.getLogger("omni")

CORS_EXPOSED = ("x-request-id", "retry-after", "x-should-retry", "idempotent-replayed")


class OmniApp:
    """The ASGI app: Starlette's router inside the edge layer, and the app's ``state``.

    Not Starlette's ``Starlette`` class: that adds two layers of its own around every
    request (server errors, exception handlers) which the edge layer already covers, and
    every layer costs the hottest path, the poll, a call and a ``send`` wrapper.
    """

    def __init__(
        self,
        routes: list[BaseRoute],
        *,
        lifespan: Callable[[OmniApp], AbstractAsyncContextManager[None]],
        stack: Callable[[ASGIApp], ASGIApp],
    ) -> None:
        self.state = State()
        self.router = IndexedRouter(routes, lifespan=lifespan, redirect_slashes=False)
        self._app = stack(self.router)

    @property
    def routes(self) -> list[BaseRoute]:
        return self.router.routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = self  # Request.app, and the router's 404/405 raised for the edge
        await self._app(scope, receive, send)


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> OmniApp:
    """The ASGI app. Nothing is opened until the lifespan starts."""
    settings = settings or Settings()
    agreements = load_agreements(settings.agreements_file)

    @asynccontextmanager
    async def lifespan(app: OmniApp) -> AsyncIterator[None]:
        db = Database.open(
            settings.database_url,
            pool_size=settings.db_pool_size,
            lock_timeout=settings.lock_timeout,
        )
        if settings.migrate_on_start:
            await migrate.upgrade(db.writer)
        probe = ReadinessProbe(db, settings.database_url)
        await probe.start()
        app.state.probe = probe
        hub = EventHub()
        used_engine = engine or registry.build(settings)
        runner = build_runner(db, settings, used_engine, hub)
        queries = QueryStore(db)
        app.state.db = db
        app.state.runner = runner
        app.state.engine_name = getattr(used_engine, "name", type(used_engine).__name__)
        app.state.events = hub
        app.state.events_keepalive = settings.events_keepalive
        bridge = bridge_for(settings.database_url, hub, queries)
        app.state.drain = drain = SigtermDrain(lambda: runner.drain(settings.shutdown_grace))
        app.state.services = Services(
            keys=KeyService(KeyStore(db), cache_seconds=settings.key_cache_seconds),
            turns=TurnService(
                TurnStore(db, hub, max_active_per_key=settings.max_active_per_key),
                queries,
                runner if settings.runner else NoSignals(),
            ),
            reads=ReadService(queries),
            idempotency=IdempotencyService(IdempotencyStore(db)),
            entitlements=EntitlementService(EntitlementStore(db), agreements),
            feedback=FeedbackService(FeedbackStore(db), queries),
            limiter=RateLimiter(parse_rate(settings.rate_limit)),
        )
        if bridge is not None:
            await bridge.start()
        if settings.runner:
            await runner.start()
        drain.install()
        try:
            yield
        finally:
            drain.uninstall()
            await runner.stop()
            if bridge is not None:
                await bridge.stop()
            await db.close()
            close = getattr(used_engine, "aclose", None)
            if close is not None and engine is None:
                await close()

    def stack(router: ASGIApp) -> ASGIApp:
        """The edge layer (api/edge.py) around the router; CORS, when configured, around
        both, so that every answer, refusals included, carries the CORS headers."""
        outer: ASGIApp = EdgeMiddleware(
            router,
            max_body_bytes=settings.max_body_bytes,
            body_timeout=settings.body_timeout,
            access_lines=settings.access_log,
        )
        if settings.cors_origins.strip():
            outer = CORSMiddleware(
                outer,
                allow_origins=settings.cors_origins.replace(",", " ").split(),
                allow_methods=["GET", "POST", "DELETE"],
                allow_headers=["authorization", "content-type", "idempotency-key"],
                expose_headers=list(CORS_EXPOSED),
            )
        return outer

    app = OmniApp(routes(), lifespan=lifespan, stack=stack)
    app.state.body_limits = BodyLimits.from_settings(settings)
    return app
