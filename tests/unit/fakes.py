"""In-memory stand-ins for the ports in ``services/ports.py``.

Each fake keeps its rows in dicts and answers with the same *outcomes* as its SQL store (the
same domain errors, the same ``None`` for "nothing matched"), which is what a service branches
on. What only a database can guarantee (atomicity between processes, the partial unique
indexes, fencing under races) is the contract suite's business; these fakes are single-task
and do not pretend otherwise.

The turn, query and feedback fakes share one :class:`Tables`, as the real stores share one
database, so a cancel written through the turn store is what the next read sees.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from omni_server.domain import errors
from omni_server.domain.entitlements import Consent, Grant
from omni_server.domain.idempotency import Horizon, StoredKey
from omni_server.domain.ids import new_id, utcnow
from omni_server.domain.keys import KeyRecord
from omni_server.domain.lifecycle import (
    ACTIVE,
    MessageOutcome,
    ResponseStatus,
    outcome_of,
    sources_of,
)
from omni_server.domain.models import (
    AcceptedTurn,
    Feedback,
    Message,
    Part,
    Response,
    Role,
    Thread,
    TurnRequest,
    final_parts,
    thread_title,
)
from omni_server.domain.paging import Cursor, Direction, Page, PageRequest
from omni_server.services import ports
from omni_server.services.auth import Principal

Pair = tuple[int, str]


def principal(*accounts: int) -> Principal:
    """A caller whose key was granted ``accounts``."""
    return Principal(new_id(), frozenset(accounts))


@dataclass
class Tables:
    """The rows the turn, query and feedback fakes share (the "database")."""

    threads: dict[uuid.UUID, Thread] = field(default_factory=dict)
    last_seq: dict[uuid.UUID, int] = field(default_factory=dict)
    messages: dict[uuid.UUID, Message] = field(default_factory=dict)
    responses: dict[uuid.UUID, Response] = field(default_factory=dict)
    response_keys: dict[uuid.UUID, uuid.UUID | None] = field(default_factory=dict)

    def active_on(self, thread_id: uuid.UUID) -> Response | None:
        return next(
            (r for r in self.responses.values() if r.thread_id == thread_id and r.status in ACTIVE),
            None,
        )


class FakeTurnStore:
    """``TurnRepository``: creates and finalizes turns in :class:`Tables`.

    Checks in the SQL store's order: the thread (``NotFound``), the key's active limit
    (``TooManyRequests``), then the one active response per thread (``Conflict``).
    """

    def __init__(self, tables: Tables, *, max_active_per_key: int = 0) -> None:
        self.tables = tables
        self.max_active_per_key = max_active_per_key

    async def create_thread(
        self,
        *,
        account_id: int,
        request: TurnRequest,
        now: datetime,
        api_key_id: uuid.UUID | None = None,
    ) -> AcceptedTurn:
        thread = Thread(new_id(), account_id, thread_title(request), now, now)
        self._check_key_limit(api_key_id)
        self.tables.threads[thread.id] = thread
        self.tables.last_seq[thread.id] = 0
        return self._add_turn(thread, request, now, api_key_id)

    async def create_message(
        self,
        *,
        thread_id: uuid.UUID,
        account_id: int,
        request: TurnRequest,
        now: datetime,
        api_key_id: uuid.UUID | None = None,
    ) -> AcceptedTurn:
        thread = self.tables.threads.get(thread_id)
        if thread is None or thread.account_id != account_id:
            raise errors.NotFound(errors.THREAD_NOT_FOUND)
        self._check_key_limit(api_key_id)
        active = self.tables.active_on(thread_id)
        if active is not None:
            raise errors.Conflict(
                errors.ACTIVE_RESPONSE_EXISTS, details=[{"active_response_id": str(active.id)}]
            )
        return self._add_turn(thread, request, now, api_key_id)

    def _check_key_limit(self, api_key_id: uuid.UUID | None) -> None:
        if api_key_id is None or self.max_active_per_key <= 0:
            return
        active = sum(
            1
            for r in self.tables.responses.values()
            if r.status in ACTIVE and self.tables.response_keys[r.id] == api_key_id
        )
        if active >= self.max_active_per_key:
            raise errors.TooManyRequests(errors.TOO_MANY_ACTIVE, limit="active", retry_after=1.0)

    def _add_turn(
        self, thread: Thread, request: TurnRequest, now: datetime, api_key_id: uuid.UUID | None
    ) -> AcceptedTurn:
        seq = self.tables.last_seq[thread.id] + 2
        self.tables.last_seq[thread.id] = seq
        self.tables.threads[thread.id] = replace(thread, updated_at=now)
        user = Message(
            id=new_id(),
            thread_id=thread.id,
            seq=seq - 1,
            role=Role.USER,
            outcome=MessageOutcome.COMPLETED,
            parts=({"type": "text", "text": request.text},),
            created_at=now,
            context=request.context,
        )
        response = Response(
            id=new_id(),
            thread_id=thread.id,
            account_id=thread.account_id,
            user_message_id=user.id,
            output_message_id=new_id(),
            output_seq=seq,
            status=ResponseStatus.QUEUED,
            parts=(),
            created_at=now,
            request=request,
        )
        self.tables.messages[user.id] = user
        self.tables.responses[response.id] = response
        self.tables.response_keys[response.id] = api_key_id
        return AcceptedTurn(thread.id, user.id, response.id)

    def start(self, response_id: uuid.UUID, parts: Sequence[Part] = ()) -> Response:
        """What a worker's claim and progress writes would leave: running, with ``parts``."""
        response = replace(
            self.tables.responses[response_id],
            status=ResponseStatus.RUNNING,
            parts=tuple(parts),
            attempt=1,
            started_at=utcnow(),
        )
        self.tables.responses[response_id] = response
        return response

    async def finalize(
        self,
        response_id: uuid.UUID,
        status: ResponseStatus,
        *,
        now: datetime,
        account_id: int | None = None,
    ) -> Response | None:
        current = self.tables.responses.get(response_id)
        if current is None or current.status not in sources_of(status):
            return None
        if account_id is not None and current.account_id != account_id:
            return None
        response = replace(current, status=status, finished_at=now)
        self.tables.responses[response_id] = response
        self.tables.messages[response.output_message_id] = Message(
            id=response.output_message_id,
            thread_id=response.thread_id,
            seq=response.output_seq,
            role=Role.ASSISTANT,
            outcome=outcome_of(status),
            parts=final_parts(response.parts),
            created_at=now,
        )
        return response


class FakeQueryStore:
    """``QueryRepository`` over :class:`Tables`.

    Pages walk ``NEXT`` only (older messages, less recently updated threads) and read cursor
    keys the way the SQL store does, raising ``ValueError`` / ``TypeError`` for a key a page
    could not have carried.
    """

    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    async def thread(self, thread_id: uuid.UUID) -> Thread | None:
        return self.tables.threads.get(thread_id)

    async def response(self, response_id: uuid.UUID) -> Response | None:
        return self.tables.responses.get(response_id)

    async def active_response(self, thread_id: uuid.UUID) -> Response | None:
        return self.tables.active_on(thread_id)

    async def message(self, message_id: uuid.UUID) -> tuple[Message, int] | None:
        found = self.tables.messages.get(message_id)
        if found is None:
            return None
        return found, self.tables.threads[found.thread_id].account_id

    async def threads_page(self, account_id: int, page: PageRequest) -> Page[Thread]:
        rows = sorted(
            (t for t in self.tables.threads.values() if t.account_id == account_id),
            key=lambda t: (t.updated_at, t.id),
            reverse=True,
        )
        if page.cursor is not None:
            stamp, thread_id = page.cursor.key
            after = (datetime.fromisoformat(str(stamp)), uuid.UUID(str(thread_id)))
            rows = [t for t in rows if (t.updated_at, t.id) < after]
        items = rows[: page.size]
        more = len(rows) > page.size
        next_cursor = (
            Cursor(Direction.NEXT, (items[-1].updated_at.isoformat(), str(items[-1].id)), page.size)
            if more
            else None
        )
        return Page(items, next_cursor, None)

    async def messages_page(self, thread_id: uuid.UUID, page: PageRequest) -> Page[Message]:
        rows = sorted(
            (m for m in self.tables.messages.values() if m.thread_id == thread_id),
            key=lambda m: m.seq,
            reverse=True,
        )
        if page.cursor is not None:
            (seq,) = page.cursor.key
            if type(seq) is not int:
                raise ValueError("message cursor without a position")
            rows = [m for m in rows if m.seq < seq]
        items = list(reversed(rows[: page.size]))
        more = len(rows) > page.size
        next_cursor = Cursor(Direction.NEXT, (items[0].seq,), page.size) if more else None
        return Page(items, next_cursor, None)


class FakeFeedbackStore:
    """``FeedbackRepository``: records in a list; pending outputs read from :class:`Tables`."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.records: list[Feedback] = []

    async def add(self, record: Feedback) -> None:
        self.records.append(record)

    async def pending_output_account(self, message_id: uuid.UUID) -> int | None:
        return next(
            (
                r.account_id
                for r in self.tables.responses.values()
                if r.output_message_id == message_id and r.status in ACTIVE
            ),
            None,
        )


class FakeSignals:
    """``TurnSignals`` that remembers what it was told."""

    def __init__(self) -> None:
        self.queued = 0
        self.canceled: list[uuid.UUID] = []

    def turn_queued(self) -> None:
        self.queued += 1

    def turn_canceled(self, response_id: uuid.UUID) -> None:
        self.canceled.append(response_id)


class FakeKeyStore:
    """``KeyRepository`` keyed by hash; counts lookups and touches so caching is observable."""

    def __init__(self) -> None:
        self.records: dict[uuid.UUID, KeyRecord] = {}
        self.hashes: dict[str, uuid.UUID] = {}
        self.lookups = 0
        self.touches: list[uuid.UUID] = []

    async def add(
        self,
        *,
        key_id: uuid.UUID,
        name: str,
        prefix: str,
        key_hash: str,
        accounts: frozenset[int],
        now: datetime,
    ) -> None:
        self.records[key_id] = KeyRecord(key_id, name, prefix, accounts, now, None)
        self.hashes[key_hash] = key_id

    async def by_hash(self, key_hash: str) -> KeyRecord | None:
        self.lookups += 1
        key_id = self.hashes.get(key_hash)
        record = None if key_id is None else self.records[key_id]
        return record if record is not None and record.revoked_at is None else None

    async def all(self) -> list[KeyRecord]:
        return sorted(self.records.values(), key=lambda r: r.created_at)

    async def revoke(self, key_id: uuid.UUID, now: datetime) -> bool:
        record = self.records.get(key_id)
        if record is None or record.revoked_at is not None:
            return False
        self.records[key_id] = replace(record, revoked_at=now)
        return True

    async def touch(self, key_id: uuid.UUID, now: datetime) -> None:
        self.touches.append(key_id)
        self.records[key_id] = replace(self.records[key_id], last_used_at=now)


def _dead(row: StoredKey, horizon: Horizon) -> bool:
    return row.created_at < horizon.live_after or (
        row.pending and row.created_at < horizon.pending_after
    )


class FakeIdempotencyStore:
    """``IdempotencyRepository``: one row per (API key, key), with the SQL store's horizons
    and its ``claimed_at`` fence on ``complete`` and ``release``."""

    def __init__(self) -> None:
        self.rows: dict[tuple[uuid.UUID, str], StoredKey] = {}
        self.purges: list[datetime] = []

    async def claim(
        self,
        api_key_id: uuid.UUID,
        key: str,
        request_hash: str,
        *,
        now: datetime,
        horizon: Horizon,
    ) -> StoredKey | None:
        existing = await self.get(api_key_id, key, horizon=horizon)
        if existing is not None:
            return existing
        self.rows[api_key_id, key] = StoredKey(request_hash=request_hash, created_at=now)
        return None

    async def get(self, api_key_id: uuid.UUID, key: str, *, horizon: Horizon) -> StoredKey | None:
        row = self.rows.get((api_key_id, key))
        return None if row is None or _dead(row, horizon) else row

    def _own_pending(self, api_key_id: uuid.UUID, key: str, claimed_at: datetime) -> bool:
        row = self.rows.get((api_key_id, key))
        return row is not None and row.pending and row.created_at == claimed_at

    async def complete(
        self,
        api_key_id: uuid.UUID,
        key: str,
        *,
        claimed_at: datetime,
        status_code: int,
        answer: Any,
    ) -> bool:
        if not self._own_pending(api_key_id, key, claimed_at):
            return False
        row = self.rows[api_key_id, key]
        self.rows[api_key_id, key] = replace(row, status_code=status_code, answer=answer)
        return True

    async def release(self, api_key_id: uuid.UUID, key: str, *, claimed_at: datetime) -> bool:
        if not self._own_pending(api_key_id, key, claimed_at):
            return False
        del self.rows[api_key_id, key]
        return True

    async def purge(self, *, before: datetime) -> int:
        self.purges.append(before)
        expired = [k for k, row in self.rows.items() if row.created_at < before]
        for k in expired:
            del self.rows[k]
        return len(expired)


class FakeEntitlementStore:
    """``EntitlementRepository``: consents appended, grants upserted per active (account,
    code), choices recorded only when made (absent means enabled)."""

    def __init__(self) -> None:
        self.consents: list[Consent] = []
        self.grants: dict[uuid.UUID, Grant] = {}
        self.chosen: dict[Pair, bool] = {}

    def _active(self, pair: Pair) -> Grant | None:
        return next(
            (
                g
                for g in self.grants.values()
                if g.active and (g.account_id, g.entitlement_code) == pair
            ),
            None,
        )

    async def sign(self, consent: Consent, pairs: Sequence[Pair]) -> list[Grant]:
        if not pairs:
            raise ValueError("a signature grants at least one (account, code) pair")
        self.consents.append(consent)
        for pair in pairs:
            current = self._active(pair)
            if current is None:
                current = Grant(
                    id=new_id(),
                    account_id=pair[0],
                    entitlement_code=pair[1],
                    agreement_id=consent.agreement_id,
                    consent_id=consent.id,
                    granted_at=consent.signed_at,
                )
            elif current.agreement_id != consent.agreement_id:
                current = replace(
                    current,
                    agreement_id=consent.agreement_id,
                    consent_id=consent.id,
                    granted_at=consent.signed_at,
                )
            self.grants[current.id] = current
            self.chosen[pair] = True
        return [g for g in map(self._active, sorted(pairs)) if g is not None]

    async def grant(self, grant_id: uuid.UUID) -> Grant | None:
        return self.grants.get(grant_id)

    async def active_grants(self, account_ids: Iterable[int]) -> list[Grant]:
        accounts = set(account_ids)
        return sorted(
            (g for g in self.grants.values() if g.active and g.account_id in accounts),
            key=lambda g: (g.account_id, g.entitlement_code),
        )

    async def revoke(self, grant_id: uuid.UUID, *, by: uuid.UUID, now: datetime) -> Grant | None:
        current = self.grants.get(grant_id)
        if current is None or not current.active:
            return None
        revoked = self.grants[grant_id] = replace(current, revoked_at=now)
        self.chosen[revoked.account_id, revoked.entitlement_code] = False
        return revoked

    async def opt_out(self, pairs: Sequence[Pair], *, by: uuid.UUID, now: datetime) -> None:
        for pair in pairs:
            current = self._active(pair)
            if current is not None:
                self.grants[current.id] = replace(current, revoked_at=now)
            self.chosen[pair] = False

    async def choices(self, account_ids: Iterable[int]) -> dict[Pair, bool]:
        accounts = set(account_ids)
        return {pair: on for pair, on in self.chosen.items() if pair[0] in accounts}


def _conforms() -> None:
    """Never called: mypy (``mypy tests/unit/fakes.py``) checks each fake against its port."""
    tables = Tables()
    _turns: ports.TurnRepository = FakeTurnStore(tables)
    _queries: ports.QueryRepository = FakeQueryStore(tables)
    _feedback: ports.FeedbackRepository = FakeFeedbackStore(tables)
    _signals: ports.TurnSignals = FakeSignals()
    _keys: ports.KeyRepository = FakeKeyStore()
    _idempotency: ports.IdempotencyRepository = FakeIdempotencyStore()
    _entitlements: ports.EntitlementRepository = FakeEntitlementStore()
