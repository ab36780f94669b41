"""Composition root: builds the stores, services, engine and runner for one settings object."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from omni_server import __version__
from omni_server.agreements import load_agreements
from omni_server.api import errors as api_errors
from omni_server.api import requests as request_models
from omni_server.api.deps import Services
from omni_server.api.envelope import RequestIdMiddleware
from omni_server.api.routes import entitlements, health, messages, metrics, responses, threads
from omni_server.domain.ratelimit import parse_rate
from omni_server.engines.base import Engine
from omni_server.engines.builtin import BuiltinEngine
from omni_server.observability.access import AccessMiddleware
from omni_server.services.auth import KeyService
from omni_server.services.entitlements import EntitlementService
from omni_server.services.feedback import FeedbackService
from omni_server.services.idempotency import IdempotencyService
from omni_server.services.limits import RateLimiter
from omni_server.services.reads import ReadService
from omni_server.services.turns import TurnService
from omni_server.settings import Settings
from omni_server.store import migrate
from omni_server.store.db import Database
from omni_server.store.entitlements import EntitlementStore
from omni_server.store.feedback import FeedbackStore
from omni_server.store.idempotency import IdempotencyStore
from omni_server.store.keys import KeyStore
from omni_server.store.queries import QueryStore
from omni_server.store.turns import TurnStore
from omni_server.worker.execution import TurnSettings
from omni_server.worker.runner import Runner

log = logging.getLogger("omni")

REQUEST_MODELS = (
    request_models.CreateThreadRequest,
    request_models.CreateMessageRequest,
    request_models.CreateFeedbackRequest,
    request_models.CreateEntitlementsRequest,
    request_models.OptOutEntitlementsRequest,
)


def build_engine(settings: Settings) -> Engine:
    if settings.engine == "builtin":
        return BuiltinEngine(
            chunk_delay=settings.chunk_delay, directives_enabled=settings.directives
        )
    raise ValueError(f"unknown engine {settings.engine!r} (available: builtin)")


def build_runner(db: Database, settings: Settings, engine: Engine) -> Runner:
    return Runner(
        TurnStore(db),
        QueryStore(db),
        engine,
        account_data=EntitlementStore(db),
        max_running=settings.max_running,
        poll_interval=settings.poll_interval,
        lease_seconds=settings.lease_seconds,
        settings=TurnSettings(
            progress_interval=settings.progress_interval, turn_timeout=settings.turn_timeout
        ),
    )


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """The ASGI app. Nothing is opened until the lifespan starts."""
    settings = settings or Settings()
    agreements = load_agreements(settings.agreements_file)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database.open(settings.database_url)
        if settings.migrate_on_start:
            await migrate.upgrade(db.writer)
        runner = build_runner(db, settings, engine or build_engine(settings))
        queries = QueryStore(db)
        app.state.db = db
        app.state.runner = runner
        app.state.services = Services(
            keys=KeyService(KeyStore(db), cache_seconds=settings.key_cache_seconds),
            turns=TurnService(
                TurnStore(db, max_active_per_key=settings.max_active_per_key), queries, runner
            ),
            reads=ReadService(queries),
            idempotency=IdempotencyService(IdempotencyStore(db)),
            entitlements=EntitlementService(EntitlementStore(db), agreements),
            feedback=FeedbackService(FeedbackStore(db), queries),
            limiter=RateLimiter(parse_rate(settings.rate_limit)),
        )
        await runner.start()
        try:
            yield
        finally:
            await runner.stop()
            await db.close()

    app = FastAPI(
        title="Omni AI API (self-hosted)",
        version=__version__,
        description="Self-hosted implementation of Clear Street's Omni AI API.",
        lifespan=lifespan,
    )
    # Routes are matched in order: the poll's router goes first, it is the hottest path.
    routers = (responses.router, threads.router, messages.router, entitlements.router)
    for router in (*routers, health.router, metrics.router):
        app.include_router(router)
    api_errors.install(app)
    app.add_middleware(AccessMiddleware, lines=settings.access_log)  # inside the request id
    app.add_middleware(RequestIdMiddleware)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document plus what routes do by hand: JSON bodies and bearer auth."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, routes=app.routes, description=app.description
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in REQUEST_MODELS:
            full = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(full.pop("$defs", {}))
            components[model.__name__] = full
        schema["components"]["securitySchemes"] = {
            "BearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "An Omni API key: `Authorization: Bearer omni_...`.",
            }
        }
        for path, operations in schema["paths"].items():
            if path.startswith("/v1/"):
                for operation in operations.values():
                    operation["security"] = [{"BearerAuth": []}]
        app.openapi_schema = schema
    return app.openapi_schema
