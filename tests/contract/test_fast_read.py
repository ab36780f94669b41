"""The poll's SQLite read (plain ``sqlite3``) returns exactly what the SQLAlchemy read returns.

``QueryStore.response`` skips SQLAlchemy on SQLite for speed, so it decodes the columns itself;
these rows cover every column that can be null or not, a non-trivial microsecond and every
status, so a decoding slip (a zone, a UUID form, a dropped field) fails here.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from omni_server.domain.lifecycle import ResponseStatus
from omni_server.store import codec, migrate, queries
from omni_server.store.db import Database
from omni_server.store.queries import _RESPONSE_BY_ID, QueryStore
from omni_server.store.tables import responses, threads
from tests.support import sqlite_url

CREATED = datetime(2026, 12, 2, 16, 20, 3, 123456, tzinfo=UTC)


def row(thread_id: uuid.UUID, status: ResponseStatus, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "thread_id": thread_id,
        "account_id": 19816,
        "user_message_id": uuid.uuid4(),
        "output_message_id": uuid.uuid4(),
        "output_seq": 2,
        "status": status.value,
        "content": codec.encode_parts(({"type": "text", "text": 'Hé \\u2028 "quoted"'},)),
        "error": None,
        "request": '{"mode":"instant","text":"hi","capabilities":[],"target":null,'
        '"thesis":null,"context":null}',
        "attempt": 0,
        "created_at": CREATED,
        "started_at": None,
        "finished_at": None,
    }
    values.update(changes)
    return values


async def insert(db: Database, thread_id: uuid.UUID, rows: list[dict[str, Any]]) -> None:
    """A thread and the response rows given, written as the store would leave them."""
    async with db.writer.begin() as conn:
        await conn.execute(
            threads.insert().values(
                id=thread_id,
                account_id=19816,
                title="t",
                mode="instant",
                last_seq=2 * len(rows),
                created_at=CREATED,
                updated_at=CREATED,
            )
        )
        for values in rows:
            await conn.execute(responses.insert().values(**values))


@pytest.fixture
async def db(tmp_path: Path) -> Any:
    database = Database.open(sqlite_url(tmp_path))
    await migrate.upgrade(database.writer)
    yield database
    await database.close()


async def test_both_reads_agree_on_every_kind_of_row(db: Database) -> None:
    thread_id = uuid.uuid4()
    later = CREATED + timedelta(seconds=1, microseconds=7)
    rows = [
        row(thread_id, ResponseStatus.SUCCEEDED, started_at=CREATED, finished_at=later),
        row(
            thread_id,
            ResponseStatus.FAILED,
            error='{"code":"engine_error","message":"boom"}',
            attempt=3,
            started_at=CREATED,
            finished_at=later,
        ),
        row(thread_id, ResponseStatus.CANCELED, finished_at=later, content='{"parts":[]}'),
        row(thread_id, ResponseStatus.RUNNING, started_at=later, attempt=1),
    ]
    await insert(db, thread_id, rows)
    store = QueryStore(db)
    for values in rows:
        fast = await store.response(values["id"])
        async with db.reader.connect() as conn:
            slow = (await conn.execute(_RESPONSE_BY_ID, {"id": values["id"]})).one()
        assert fast == codec.response_from(slow)
        assert fast is not None and fast.created_at == CREATED and fast.id == values["id"]
    assert await store.response(uuid.uuid4()) is None


async def test_a_changed_row_is_decoded_again_and_old_rows_make_room(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The poll keeps the last decoded row per response: a new save must still be seen."""
    monkeypatch.setattr(queries, "DECODED_ROWS", 2)
    thread_id = uuid.uuid4()
    rows = [row(thread_id, ResponseStatus.CANCELED) for _ in range(3)]
    await insert(db, thread_id, rows)
    store = QueryStore(db)
    first = await store.response(rows[0]["id"])
    assert first is not None and await store.response(rows[0]["id"]) is first
    async with db.writer.begin() as conn:
        await conn.execute(
            responses.update()
            .where(responses.c.id == rows[0]["id"])
            .values(content=codec.encode_parts(({"type": "text", "text": "more"},)))
        )
    again = await store.response(rows[0]["id"])
    assert again is not None and again.parts == ({"type": "text", "text": "more"},)
    for values in rows:
        assert await store.response(values["id"]) is not None
    assert len(store._decoded) == 2 and rows[0]["id"] not in store._decoded
