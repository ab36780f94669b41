"""The README's client example, run as written against a real server.

The example hard-codes a key, a response id and account 0, so the test puts exactly those in
the database before the server starts: a key whose secret is "My API Key" and a running turn
whose response id is the README's.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import update

from omni_server.domain.ids import utcnow
from omni_server.domain.models import Mode, TurnRequest
from omni_server.services.auth import hash_key
from omni_server.store import migrate
from omni_server.store.db import Database
from omni_server.store.keys import KeyStore
from omni_server.store.tables import responses
from omni_server.store.turns import TurnStore
from tests.e2e.conftest import ServerFactory, clean_environment

README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLE_ID = uuid.UUID("182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e")


def readme_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    [example] = [b for b in blocks if 'api_key="My API Key"' in b]
    return example


async def seed(database: str) -> None:
    db = Database.open(database)
    try:
        await migrate.upgrade(db.writer)
        await KeyStore(db).add(
            key_id=uuid.uuid4(),
            name="readme",
            prefix="My API",
            key_hash=hash_key("My API Key"),
            accounts=frozenset({0}),
            now=utcnow(),
        )
        accepted = await TurnStore(db).create_thread(
            account_id=0, request=TurnRequest(mode=Mode.INSTANT, text="!omni:hang"), now=utcnow()
        )
        async with db.writer.begin() as conn:
            await conn.execute(
                update(responses)
                .where(responses.c.id == accepted.response_id)
                .values(id=EXAMPLE_ID)
            )
    finally:
        await db.close()


def test_readme_client_example_runs_as_written(server_factory: ServerFactory) -> None:
    server = server_factory()
    asyncio.run(seed(server.database))
    server.start()
    done = subprocess.run(
        [sys.executable, "-c", readme_example()],
        env=clean_environment(CLEAR_STREET_BASE_URL=server.url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "canceled=True" in done.stdout
    assert re.search(r"request_id='[0-9a-f-]{36}'", done.stdout), done.stdout
