"""A revoke reaches every running server within a second (``OMNI_KEY_CACHE_SECONDS``)."""

from __future__ import annotations

import time
import uuid

import httpx

from omni_server.domain.ids import utcnow
from omni_server.services.auth import hash_key
from omni_server.settings import Settings
from omni_server.store.db import Database
from omni_server.store.keys import KeyStore
from tests.conftest import fast_settings
from tests.support import running_app

API = "/v1/omni-ai"


async def key_id_of(db: Database, secret: str) -> uuid.UUID:
    record = await KeyStore(db).by_hash(hash_key(secret))
    assert record is not None
    return record.id


async def test_a_revoke_lands_in_every_server_within_a_second(database_url: str) -> None:
    settings = fast_settings(database_url, key_cache_seconds=Settings().key_cache_seconds)
    assert settings.key_cache_seconds <= 1.0
    async with running_app(settings) as first, running_app(settings) as second:
        clients = [first.client, second.client]
        second.client.headers["Authorization"] = f"Bearer {first.key}"
        for client in clients:  # both servers have the key in their cache now
            r = await client.get(f"{API}/threads", params={"account_id": 1})
            assert r.status_code == 200
        # Revoked by another process (the CLI): no server's cache is told.
        other = Database.open(database_url)
        try:
            key_id = await key_id_of(other, first.key)
            assert await KeyStore(other).revoke(key_id, utcnow())
        finally:
            await other.close()
        revoked_at = time.monotonic()
        pending: list[httpx.AsyncClient] = list(clients)
        while pending:
            elapsed = time.monotonic() - revoked_at
            assert elapsed < 1.5, f"a server still accepted the key after {elapsed:.2f} s"
            for client in list(pending):
                r = await client.get(f"{API}/threads", params={"account_id": 1})
                if r.status_code == 401:
                    pending.remove(client)
                else:
                    assert r.status_code == 200
        # and it stays refused
        for client in clients:
            r = await client.get(f"{API}/threads", params={"account_id": 1})
            assert r.status_code == 401
