"""The write path of a turn: create, claim, record progress, finalize, reap.

Every status change here is one ``UPDATE ... WHERE status IN (allowed) RETURNING`` whose
allowed set comes from ``domain.lifecycle``. Finalizing writes the terminal status and the one
final assistant message in the same transaction, so a response is never terminal without its
message and never gets two: whoever updates the row first wins, later writers match no row.
"""

from __future__ import annotations

import functools
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Select, Update, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from omni_server.domain import errors
from omni_server.domain.ids import new_id
from omni_server.domain.lifecycle import ACTIVE, ResponseStatus, outcome_of, sources_of
from omni_server.domain.models import (
    AcceptedTurn,
    Claim,
    ErrorInfo,
    Part,
    Response,
    Role,
    Thread,
    TurnRequest,
    final_parts,
    thread_title,
)
from omni_server.domain.progress import NoProgress, ProgressSink
from omni_server.store import codec, notify
from omni_server.store.db import Database
from omni_server.store.inline import ConnectionLike
from omni_server.store.tables import api_keys, messages, responses, threads

_ACTIVE_VALUES = [s.value for s in ACTIVE]

# The create path's statements, built once: building one per request (``.values(...)``) cost
# more CPU than running it. Executed with a parameter dict, each compiles once and is cached.
_INSERT_THREAD = insert(threads)
_INSERT_MESSAGE = insert(messages)
_INSERT_RESPONSE = insert(responses)
_RESERVE_SEQS = (
    update(threads)
    .where(threads.c.id == bindparam("b_thread"), threads.c.account_id == bindparam("b_account"))
    .values(last_seq=threads.c.last_seq + 2, updated_at=bindparam("b_now"))
    .returning(threads.c.last_seq)
)
_COUNT_KEY_ACTIVE = (
    select(func.count())
    .select_from(responses)
    .where(responses.c.api_key_id == bindparam("b_key"), responses.c.status.in_(_ACTIVE_VALUES))
)
_TOUCH_THREAD = (
    update(threads)
    .where(threads.c.id == bindparam("b_thread"))
    .values(updated_at=bindparam("b_now"))
)
_SAVE_PROGRESS = (
    update(responses)
    .where(
        responses.c.id == bindparam("b_id"),
        responses.c.status == ResponseStatus.RUNNING.value,
        responses.c.attempt == bindparam("b_attempt"),
    )
    .values(content=bindparam("b_content"))
)
_LOCK_KEY = select(api_keys.c.id).where(api_keys.c.id == bindparam("b_key")).with_for_update()


def _values(statuses: frozenset[ResponseStatus]) -> list[str]:
    return sorted(s.value for s in statuses)


@functools.cache
def _finalize_statement(
    status: ResponseStatus, by_attempt: bool, by_account: bool, with_parts: bool
) -> Update:
    """The terminal ``UPDATE ... RETURNING`` for one kind of finalize, built once per kind.

    It matches only rows in a status allowed to become ``status`` (``domain.lifecycle``),
    fenced by the worker's attempt or scoped by the caller's account when those are given.
    """
    conditions = [
        responses.c.id == bindparam("b_id"),
        responses.c.status.in_(_values(sources_of(status))),
    ]
    if by_attempt:
        conditions.append(responses.c.attempt == bindparam("b_attempt"))
    if by_account:
        conditions.append(responses.c.account_id == bindparam("b_account"))
    values: dict[str, Any] = {
        "status": bindparam("b_status"),
        "finished_at": bindparam("b_now"),
        "error": bindparam("b_error"),
        "lease_expires_at": None,
    }
    if with_parts:
        values["content"] = bindparam("b_content")
    return update(responses).where(and_(*conditions)).values(**values).returning(*responses.c)


@functools.cache
def _claim_statement(fair: bool, skip_locked: bool) -> Update:
    """The claim's ``UPDATE ... RETURNING`` (see ``TurnStore.claim``), built once per shape.

    Its values are bind parameters (worker, limit, per-account cap, times), so the statement
    compiles once; built per claim, compiling it took most of a claim's time.
    """
    candidates = _candidates(fair, skip_locked)
    # A materialized CTE runs the LIMIT once; PostgreSQL may otherwise re-run an IN subquery
    # per row and claim more than asked.
    picked = candidates.cte("picked").prefix_with("MATERIALIZED", dialect="postgresql")
    return (
        update(responses)
        .where(
            responses.c.id == picked.c.id,
            responses.c.status.in_(_values(sources_of(ResponseStatus.RUNNING))),
        )
        .values(
            status=ResponseStatus.RUNNING.value,
            attempt=responses.c.attempt + 1,
            worker_id=bindparam("b_worker"),
            lease_expires_at=bindparam("b_lease_end"),
            started_at=bindparam("b_now"),
        )
        .returning(*responses.c)
    )


def _candidates(fair: bool, skip_locked: bool) -> Select[Any]:
    """The ids to claim, locked on PostgreSQL (rows another worker holds are skipped)."""
    queued = responses.c.status == ResponseStatus.QUEUED.value
    if not fair:
        candidates = select(responses.c.id).where(queued).order_by(responses.c.id)
    else:
        mine = (
            select(responses.c.account_id, func.count().label("n"))
            .where(
                responses.c.status == ResponseStatus.RUNNING.value,
                responses.c.worker_id == bindparam("b_worker"),
            )
            .group_by(responses.c.account_id)
            .cte("mine")
        )
        rank = func.row_number().over(partition_by=responses.c.account_id, order_by=responses.c.id)
        slots = (
            select(
                responses.c.id.label("id"),
                (rank + func.coalesce(mine.c.n, 0)).label("slot"),
            )
            .select_from(responses.outerjoin(mine, mine.c.account_id == responses.c.account_id))
            .where(queued)
            .cte("slots")
        )
        candidates = (
            select(responses.c.id)
            .join(slots, slots.c.id == responses.c.id)
            .where(queued, slots.c.slot <= bindparam("b_per_account"))
            .order_by(slots.c.slot, responses.c.id)
        )
    candidates = candidates.limit(bindparam("b_limit", type_=Integer))
    if skip_locked:
        candidates = candidates.with_for_update(skip_locked=True, of=responses)
    return candidates


class TurnStore:
    def __init__(
        self,
        db: Database,
        progress: ProgressSink | None = None,
        *,
        max_active_per_key: int = 0,
    ) -> None:
        self._db = db
        self._skip_locked = db.backend == "postgresql"
        self._max_active = max_active_per_key
        self._notify = db.backend == "postgresql"
        # Told of every committed status change and progress write (live events, long polls).
        self.progress: ProgressSink = progress or NoProgress()

    # -- accepting turns -------------------------------------------------------------------

    async def create_thread(
        self,
        *,
        account_id: int,
        request: TurnRequest,
        now: datetime,
        api_key_id: uuid.UUID | None = None,
    ) -> AcceptedTurn:
        """Create a thread together with its first user turn, atomically.

        Raises ``TooManyRequests`` when ``api_key_id`` already has the most active responses
        allowed (see :meth:`_check_key_limit`).
        """
        thread = Thread(
            id=new_id(),
            account_id=account_id,
            title=thread_title(request),
            created_at=now,
            updated_at=now,
        )
        async with self._db.writer.begin() as conn:
            # A new thread's first turn takes seqs 1 and 2 (see _add_turn), written at once.
            await conn.execute(
                _INSERT_THREAD,
                {
                    "id": thread.id,
                    "account_id": account_id,
                    "title": thread.title,
                    "mode": request.mode.value,
                    "last_seq": 2,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            return await self._add_turn(
                conn, thread.id, account_id, request, now, api_key_id, last_seq=2
            )

    async def create_message(
        self,
        *,
        thread_id: uuid.UUID,
        account_id: int,
        request: TurnRequest,
        now: datetime,
        api_key_id: uuid.UUID | None = None,
    ) -> AcceptedTurn:
        """Append a user message and queue its response.

        Raises ``NotFound`` when the thread is not in ``account_id`` and ``Conflict`` when the
        thread already has an active response (detected by the partial unique index).
        """
        try:
            async with self._db.writer.begin() as conn:
                return await self._add_turn(conn, thread_id, account_id, request, now, api_key_id)
        except IntegrityError:
            active = await self.active_response_id(thread_id)
            details = [{"active_response_id": str(active)}] if active else None
            raise errors.Conflict(errors.ACTIVE_RESPONSE_EXISTS, details=details) from None

    async def _add_turn(
        self,
        conn: ConnectionLike,
        thread_id: uuid.UUID,
        account_id: int,
        request: TurnRequest,
        now: datetime,
        api_key_id: uuid.UUID | None,
        *,
        last_seq: int | None = None,
    ) -> AcceptedTurn:
        # Reserving both seqs now (user n, assistant n+1) keeps history gapless: the one
        # active turn per thread is the only writer of those two numbers. ``last_seq`` is
        # given when the caller already reserved them (a thread created in this transaction).
        if last_seq is None:
            last_seq = (
                await conn.execute(
                    _RESERVE_SEQS, {"b_thread": thread_id, "b_account": account_id, "b_now": now}
                )
            ).scalar_one_or_none()
            if last_seq is None:
                raise errors.NotFound(errors.THREAD_NOT_FOUND)
        await self._check_key_limit(conn, api_key_id)
        user_message_id, response_id = new_id(), new_id()
        await conn.execute(
            _INSERT_MESSAGE,
            {
                "id": user_message_id,
                "thread_id": thread_id,
                "seq": last_seq - 1,
                "role": Role.USER.value,
                "outcome": "completed",
                "content": codec.encode_parts([{"type": "text", "text": request.text}]),
                "context": None if request.context is None else codec.dumps(request.context),
                "created_at": now,
            },
        )
        await conn.execute(
            _INSERT_RESPONSE,
            {
                "id": response_id,
                "thread_id": thread_id,
                "account_id": account_id,
                "user_message_id": user_message_id,
                "output_message_id": new_id(),
                "output_seq": last_seq,
                "status": ResponseStatus.QUEUED.value,
                "content": codec.encode_parts([]),
                "request": codec.encode_request(request),
                "attempt": 0,
                "created_at": now,
                "api_key_id": api_key_id,
            },
        )
        if self._notify:
            await notify.turn_queued(conn)
        return AcceptedTurn(thread_id, user_message_id, response_id)

    async def _check_key_limit(self, conn: ConnectionLike, api_key_id: uuid.UUID | None) -> None:
        """Refuse a new turn when the key already has ``max_active_per_key`` active ones.

        Concurrent creates by one key must not all pass the count. On SQLite the transaction
        already holds the database's write lock (its first statement wrote the thread), so
        creates are serialized; on PostgreSQL the key's row is locked first, which serializes
        the creates of that key only, and the count then sees every committed turn.
        """
        if api_key_id is None or self._max_active <= 0:
            return
        if self._skip_locked:
            await conn.execute(_LOCK_KEY, {"b_key": api_key_id})
        active = (await conn.execute(_COUNT_KEY_ACTIVE, {"b_key": api_key_id})).scalar_one()
        if active >= self._max_active:
            raise errors.TooManyRequests(errors.TOO_MANY_ACTIVE, limit="active", retry_after=1.0)

    async def active_response_id(self, thread_id: uuid.UUID) -> uuid.UUID | None:
        async with self._db.reader.connect() as conn:
            return (
                await conn.execute(
                    select(responses.c.id).where(
                        responses.c.thread_id == thread_id,
                        responses.c.status.in_(_ACTIVE_VALUES),
                    )
                )
            ).scalar_one_or_none()

    # -- worker side -------------------------------------------------------------------------

    async def claim(
        self,
        *,
        worker_id: str,
        limit: int,
        lease: timedelta,
        now: datetime,
        per_account: int | None = None,
    ) -> list[Claim]:
        """Move up to ``limit`` queued responses to running, in one statement.

        Fair among accounts: each queued turn gets a *slot*, the number of turns its account
        would have running on this worker if it were claimed (running ones plus its rank in
        the account's queue); turns are taken by slot, then oldest first, so accounts take
        turns instead of the longest backlog winning, and no account goes past
        ``per_account`` running turns on this worker (``None``: ``limit`` is the only cap).
        """
        if limit <= 0:
            return []
        statement = _claim_statement(per_account is not None, self._skip_locked)
        parameters = {
            "b_worker": worker_id,
            "b_limit": limit,
            "b_per_account": per_account,
            "b_lease_end": now + lease,
            "b_now": now,
        }
        if per_account is None:
            del parameters["b_per_account"]
        async with self._db.writer.begin() as conn:
            rows = (await conn.execute(statement, parameters)).all()
        claims = [
            Claim(response=codec.response_from(r), worker_id=worker_id, attempt=r.attempt)
            for r in rows
        ]
        for claim in claims:
            self.progress.claimed(claim)
        return sorted(claims, key=lambda c: c.response.id)

    async def record_progress(self, claim: Claim, parts: list[Part]) -> bool:
        """Store partial content; ``False`` means the claim is fenced off (canceled, reaped)."""
        parameters = {
            "b_id": claim.response.id,
            "b_attempt": claim.attempt,
            "b_content": codec.encode_parts(parts),
        }
        async with self._db.writer.begin() as conn:
            result = await conn.execute(_SAVE_PROGRESS, parameters)
        if result.rowcount == 1:
            self.progress.stored(claim)
        return result.rowcount == 1

    async def heartbeat(
        self, claims: list[Claim], *, lease: timedelta, now: datetime
    ) -> set[uuid.UUID]:
        """Extend the leases of these claims and return the ids still running under them.

        Only the claims named are extended: a claim whose task died must expire so that the
        reaper finalizes it. A claim missing from the result was canceled or reaped meanwhile,
        so its engine should stop (the path a missed cancel notification takes).
        """
        if not claims:
            return set()
        fenced = [
            and_(responses.c.id == c.response.id, responses.c.attempt == c.attempt) for c in claims
        ]
        async with self._db.writer.begin() as conn:
            rows = await conn.execute(
                update(responses)
                .where(
                    or_(*fenced),
                    responses.c.worker_id == claims[0].worker_id,
                    responses.c.status == ResponseStatus.RUNNING.value,
                )
                .values(lease_expires_at=now + lease)
                .returning(responses.c.id)
            )
            return {r.id for r in rows}

    async def expired_leases(self, now: datetime) -> list[tuple[uuid.UUID, int]]:
        async with self._db.reader.connect() as conn:
            rows = await conn.execute(
                select(responses.c.id, responses.c.attempt).where(
                    responses.c.status == ResponseStatus.RUNNING.value,
                    responses.c.lease_expires_at < now,
                )
            )
            return [(r.id, r.attempt) for r in rows]

    # -- finalizing --------------------------------------------------------------------------

    async def finalize(
        self,
        response_id: uuid.UUID,
        status: ResponseStatus,
        *,
        now: datetime,
        parts: list[Part] | None = None,
        error: ErrorInfo | None = None,
        attempt: int | None = None,
        account_id: int | None = None,
    ) -> Response | None:
        """Make a response terminal and write its final message, or do nothing.

        ``parts=None`` keeps the content stored so far (a cancel keeps partial output).
        ``attempt`` fences a worker's write to its own claim; ``account_id`` scopes a caller's
        write to its account. Returns the finalized response, or ``None`` when the row was not
        in an allowed status (someone else finalized first).
        """
        statement = _finalize_statement(
            status, attempt is not None, account_id is not None, parts is not None
        )
        values: dict[str, object] = {
            "b_id": response_id,
            "b_status": status.value,
            "b_now": now,
            "b_error": codec.encode_error(error),
        }
        if attempt is not None:
            values["b_attempt"] = attempt
        if account_id is not None:
            values["b_account"] = account_id
        if parts is not None:
            values["b_content"] = codec.encode_parts(parts)
        async with self._db.writer.begin() as conn:
            row = (await conn.execute(statement, values)).one_or_none()
            if row is None:
                return None
            response = codec.response_from(row)
            await conn.execute(
                _INSERT_MESSAGE,
                {
                    "id": response.output_message_id,
                    "thread_id": response.thread_id,
                    "seq": response.output_seq,
                    "role": Role.ASSISTANT.value,
                    "outcome": outcome_of(status).value,
                    "content": codec.encode_parts(final_parts(response.parts)),
                    "error": codec.encode_error(error),
                    "created_at": now,
                },
            )
            await conn.execute(_TOUCH_THREAD, {"b_thread": response.thread_id, "b_now": now})
            if self._notify and status is ResponseStatus.CANCELED:
                await notify.turn_canceled(conn, response_id)
        self.progress.finalized(response)
        return response
