"""Reads: threads, messages and responses, scoped by account, with keyset pagination."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, exists, or_, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Row

from omni_server.domain.ids import isoformat
from omni_server.domain.lifecycle import ACTIVE
from omni_server.domain.models import Message, Response, Thread
from omni_server.domain.paging import Cursor, Direction, Page, PageRequest
from omni_server.store import codec
from omni_server.store.db import Database
from omni_server.store.inline import InlineEngine
from omni_server.store.tables import messages, responses, threads

_ACTIVE_VALUES = [s.value for s in ACTIVE]

# The poll's statement, built once: polling is the hottest path of the API.
_RESPONSE_BY_ID = select(responses).where(responses.c.id == bindparam("id"))
# The same read as plain SQL for SQLite, run straight on sqlite3 (see ``QueryStore.response``).
_RESPONSE_BY_ID_SQLITE = str(
    select(*(responses.c[name] for name in codec.RESPONSE_FIELDS))
    .where(responses.c.id == bindparam("id"))
    .compile(dialect=sqlite.dialect())
)


DECODED_ROWS = 4096
"""Responses whose last decoded row is kept (a few MB at most; see ``QueryStore.response``)."""


class QueryStore:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._inline = db.reader if isinstance(db.reader, InlineEngine) else None
        # The last row read per response and its decoding: a client polls far more often
        # than a turn saves progress, so most polls read a row they have already decoded.
        self._decoded: dict[uuid.UUID, tuple[tuple[Any, ...], Response]] = {}

    async def _one(
        self, statement: Select[Any], parameters: dict[str, Any] | None = None
    ) -> Row[Any] | None:
        async with self._db.reader.connect() as conn:
            row: Row[Any] | None = (await conn.execute(statement, parameters)).one_or_none()
            return row

    async def _all(self, statement: Select[Any]) -> list[Row[Any]]:
        async with self._db.reader.connect() as conn:
            return list((await conn.execute(statement)).all())

    async def thread(self, thread_id: uuid.UUID) -> Thread | None:
        row = await self._one(select(threads).where(threads.c.id == thread_id))
        return None if row is None else codec.thread_from(row)

    async def response(self, response_id: uuid.UUID) -> Response | None:
        """One response by id: the poll's read.

        On SQLite it skips SQLAlchemy (a few microseconds instead of about forty, most of a
        poll's database time) and decodes a row only when it differs from the last one read
        for that response; ``tests/contract/test_fast_read.py`` checks both paths agree.
        """
        if self._inline is not None:
            values = self._inline.fetch_one(_RESPONSE_BY_ID_SQLITE, (response_id.hex,))
            if values is None:
                return None
            known = self._decoded.get(response_id)
            if known is not None and known[0] == values:
                return known[1]
            response = codec.response_from_sqlite(values)
            if len(self._decoded) >= DECODED_ROWS:
                del self._decoded[next(iter(self._decoded))]  # the oldest entry
            self._decoded[response_id] = (values, response)
            return response
        row = await self._one(_RESPONSE_BY_ID, {"id": response_id})
        return None if row is None else codec.response_from(row)

    async def active_response(self, thread_id: uuid.UUID) -> Response | None:
        row = await self._one(
            select(responses).where(
                responses.c.thread_id == thread_id, responses.c.status.in_(_ACTIVE_VALUES)
            )
        )
        return None if row is None else codec.response_from(row)

    async def message(self, message_id: uuid.UUID) -> tuple[Message, int] | None:
        """A finalized message and the account that owns its thread."""
        row = await self._one(
            select(messages, threads.c.account_id)
            .join(threads, threads.c.id == messages.c.thread_id)
            .where(messages.c.id == message_id)
        )
        return None if row is None else (codec.message_from(row), row.account_id)

    async def history(self, thread_id: uuid.UUID, limit: int = 50) -> list[Message]:
        """The latest finalized messages of a thread, oldest first (an engine's context)."""
        rows = await self._all(
            select(messages)
            .where(messages.c.thread_id == thread_id)
            .order_by(messages.c.seq.desc())
            .limit(limit)
        )
        return [codec.message_from(r) for r in reversed(rows)]

    async def messages_page(self, thread_id: uuid.UUID, page: PageRequest) -> Page[Message]:
        """A page of history: by default the latest, ascending ``seq`` within the page.

        ``NEXT`` walks to older messages and ``PREVIOUS`` to newer ones.
        """
        seq = messages.c.seq
        base = select(messages).where(messages.c.thread_id == thread_id)
        cursor = page.cursor
        if cursor is None or cursor.direction is Direction.NEXT:
            query = base.order_by(seq.desc())
            if cursor is not None:
                query = query.where(seq < _seq_key(cursor))
            rows = await self._all(query.limit(page.size + 1))
            more_older, rows = len(rows) > page.size, rows[: page.size]
            rows.reverse()
            more_newer = (
                cursor is not None
                and bool(rows)
                and await self._exists(base.where(seq > rows[-1].seq))
            )
        else:
            query = base.where(seq > _seq_key(cursor)).order_by(seq.asc())
            rows = await self._all(query.limit(page.size + 1))
            more_newer, rows = len(rows) > page.size, rows[: page.size]
            more_older = bool(rows) and await self._exists(base.where(seq < rows[0].seq))
        items = [codec.message_from(r) for r in rows]
        return Page(
            items=items,
            next_cursor=Cursor(Direction.NEXT, (items[0].seq,), page.size) if more_older else None,
            previous_cursor=(
                Cursor(Direction.PREVIOUS, (items[-1].seq,), page.size) if more_newer else None
            ),
        )

    async def threads_page(self, account_id: int, page: PageRequest) -> Page[Thread]:
        """Threads of an account, most recently active first (``updated_at``, then id)."""
        base = select(threads).where(threads.c.account_id == account_id)
        cursor = page.cursor
        if cursor is None or cursor.direction is Direction.NEXT:
            query = base.order_by(threads.c.updated_at.desc(), threads.c.id.desc())
            if cursor is not None:
                query = query.where(_older_than(*_thread_key(cursor)))
            rows = await self._all(query.limit(page.size + 1))
            more_after, rows = len(rows) > page.size, rows[: page.size]
            more_before = (
                cursor is not None
                and bool(rows)
                and await self._exists(base.where(_newer_than(rows[0].updated_at, rows[0].id)))
            )
        else:
            query = base.where(_newer_than(*_thread_key(cursor))).order_by(
                threads.c.updated_at.asc(), threads.c.id.asc()
            )
            rows = await self._all(query.limit(page.size + 1))
            more_before, rows = len(rows) > page.size, rows[: page.size]
            rows.reverse()
            more_after = bool(rows) and await self._exists(
                base.where(_older_than(rows[-1].updated_at, rows[-1].id))
            )
        items = [codec.thread_from(r) for r in rows]
        return Page(
            items=items,
            next_cursor=_thread_cursor(Direction.NEXT, items[-1], page.size)
            if more_after
            else None,
            previous_cursor=(
                _thread_cursor(Direction.PREVIOUS, items[0], page.size) if more_before else None
            ),
        )

    async def _exists(self, query: Select[Any]) -> bool:
        async with self._db.reader.connect() as conn:
            return bool((await conn.execute(select(exists(query)))).scalar())


def _seq_key(cursor: Cursor) -> int:
    """The message position of a cursor; ``ValueError`` unless it is one a page could carry."""
    (seq,) = cursor.key
    if type(seq) is not int:
        raise ValueError("message cursor without a position")
    return seq


def _thread_key(cursor: Cursor) -> tuple[datetime, uuid.UUID]:
    """The (updated_at, id) of a thread cursor; ``ValueError`` for anything a page could not
    carry (an odd offset, a date that leaves the calendar once in UTC, a non-UUID)."""
    stamp, thread_id = cursor.key
    moment = datetime.fromisoformat(str(stamp))
    if moment.tzinfo is None:
        raise ValueError("thread cursor without a time zone")
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("thread cursor out of range") from None
    return moment, uuid.UUID(str(thread_id))


def _thread_cursor(direction: Direction, thread: Thread, size: int) -> Cursor:
    return Cursor(direction, (isoformat(thread.updated_at), str(thread.id)), size)


def _older_than(updated_at: datetime, thread_id: uuid.UUID) -> Any:
    return or_(
        threads.c.updated_at < updated_at,
        and_(threads.c.updated_at == updated_at, threads.c.id < thread_id),
    )


def _newer_than(updated_at: datetime, thread_id: uuid.UUID) -> Any:
    return or_(
        threads.c.updated_at > updated_at,
        and_(threads.c.updated_at == updated_at, threads.c.id > thread_id),
    )
