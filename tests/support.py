"""Shared test helpers: databases, an app with its lifespan running, keys, waiting."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from omni_server.app import create_app
from omni_server.services.auth import KeyService
from omni_server.settings import Settings
from omni_server.store.keys import KeyStore

POSTGRES_URL = os.environ.get("OMNI_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_reachable() -> bool:
    from sqlalchemy.engine import make_url

    url = make_url(POSTGRES_URL)
    try:
        with socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=1):
            return True
    except OSError:
        return False


async def _admin_execute(statement: str) -> None:
    """Run one statement on the test server's maintenance database."""
    import asyncpg
    from sqlalchemy.engine import make_url

    base = make_url(POSTGRES_URL)
    conn = await asyncpg.connect(
        host=base.host,
        port=base.port or 5432,
        user=base.username or "postgres",
        password=base.password,
        database=base.database or "postgres",
    )
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def create_postgres_database() -> str:
    """A fresh, empty database on the test server; returns its URL."""
    from sqlalchemy.engine import make_url

    name = f"omni_test_{uuid.uuid4().hex[:12]}"
    await _admin_execute(f'CREATE DATABASE "{name}"')
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


async def drop_postgres_database(url: str) -> None:
    from sqlalchemy.engine import make_url

    await _admin_execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{(directory / 'omni.db').as_posix()}"


@dataclass
class Harness:
    """An app running in process, a client bound to it, and a key for accounts 1 and 2."""

    app: Any
    client: httpx.AsyncClient
    key: str
    settings: Settings

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    async def new_key(self, *accounts: int) -> str:
        created = await self.app.state.services.keys.create(accounts=frozenset(accounts), name="t")
        return str(created.secret)


@asynccontextmanager
async def running_app(settings: Settings, **app_kwargs: Any) -> AsyncIterator[Harness]:
    app = create_app(settings, **app_kwargs)
    async with app.router.lifespan_context(app):
        keys = KeyService(KeyStore(app.state.db))
        created = await keys.create(accounts=frozenset({1, 2}), name="test")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://omni.test") as client:
            client.headers["Authorization"] = f"Bearer {created.secret}"
            yield Harness(app=app, client=client, key=created.secret, settings=settings)


async def wait_for(
    check: Callable[[], Awaitable[Any]], *, timeout: float = 15.0, interval: float = 0.02
) -> Any:
    """Poll ``check`` until it returns something truthy; fail the test on timeout."""
    async with asyncio.timeout(timeout):
        while True:
            result = await check()
            if result:
                return result
            await asyncio.sleep(interval)


TERMINAL = {"succeeded", "failed", "canceled"}


async def wait_terminal(
    client: httpx.AsyncClient, response_id: str, account_id: int = 1
) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        r = await client.get(
            f"/v1/omni-ai/responses/{response_id}", params={"account_id": account_id}
        )
        data: dict[str, Any] = r.json()["data"]
        return data if data["status"] in TERMINAL else None

    result: dict[str, Any] = await wait_for(check)
    return result
