"""What services need from the rest of the system, as protocols.

Services are typed against these, never against the SQL stores, so a use case's branches can
be exercised with in-memory fakes (``tests/unit/fakes.py``) and no database. Each protocol
names only the methods services call; the stores in ``store/`` satisfy them structurally and
the composition root (``app.py``) passes those, which mypy checks.

The guarantees that only a database can give (one active response per thread, fenced
finalize, one claim per ``Idempotency-Key``) stay the stores' job and are tested in
``tests/contract``; a fake reproduces their *outcomes* (the same errors and ``None``s), so
that what a service does with each outcome can be tested here.

The value types some methods return (``KeyRecord``, ``StoredKey``, ``Horizon``) still live
beside their stores; they are plain dataclasses with no SQL in them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from omni_server.domain.entitlements import Consent, Grant
from omni_server.domain.idempotency import Horizon, StoredKey
from omni_server.domain.keys import KeyRecord
from omni_server.domain.lifecycle import ResponseStatus
from omni_server.domain.models import AcceptedTurn, Feedback, Message, Response, Thread, TurnRequest
from omni_server.domain.paging import Page, PageRequest

Pair = tuple[int, str]
"""An (account id, entitlement code) pair."""


class TurnSignals(Protocol):
    """How services tell the runner about new and canceled turns.

    Both are hints: the runner also polls the database, so a lost signal delays but never
    loses work, and a canceled engine is fenced off by the store even if it never hears.
    """

    def turn_queued(self) -> None: ...

    def turn_canceled(self, response_id: uuid.UUID) -> None: ...


class TurnRepository(Protocol):
    """The write side of turns that the API drives (the worker's side is not a service's)."""

    async def create_thread(
        self,
        *,
        account_id: int,
        request: TurnRequest,
        now: datetime,
        api_key_id: uuid.UUID | None = None,
    ) -> AcceptedTurn:
        """A new thread with its first queued turn; ``TooManyRequests`` over the key's limit."""
        ...

    async def create_message(
        self,
        *,
        thread_id: uuid.UUID,
        account_id: int,
        request: TurnRequest,
        now: datetime,
        api_key_id: uuid.UUID | None = None,
    ) -> AcceptedTurn:
        """Queue a turn on a thread of ``account_id``.

        ``NotFound`` (thread absent or another account's), ``Conflict`` with the active
        response's id when one is queued or running, ``TooManyRequests`` over the key's limit.
        """
        ...

    async def finalize(
        self,
        response_id: uuid.UUID,
        status: ResponseStatus,
        *,
        now: datetime,
        account_id: int | None = None,
    ) -> Response | None:
        """Make an active response of ``account_id`` terminal, keeping its content so far.

        ``None`` when nothing matched: unknown id, another account's, or already terminal.
        """
        ...


class QueryRepository(Protocol):
    """Reads of finalized state, unscoped: services check the account themselves."""

    async def thread(self, thread_id: uuid.UUID) -> Thread | None: ...

    async def response(self, response_id: uuid.UUID) -> Response | None: ...

    async def active_response(self, thread_id: uuid.UUID) -> Response | None: ...

    async def message(self, message_id: uuid.UUID) -> tuple[Message, int] | None:
        """A finalized message and its thread's account."""
        ...

    async def threads_page(self, account_id: int, page: PageRequest) -> Page[Thread]:
        """Raises ``ValueError``, ``IndexError`` or ``TypeError`` for a cursor it cannot use."""
        ...

    async def messages_page(self, thread_id: uuid.UUID, page: PageRequest) -> Page[Message]:
        """Raises ``ValueError``, ``IndexError`` or ``TypeError`` for a cursor it cannot use."""
        ...


class KeyRepository(Protocol):
    """API keys, stored by hash."""

    async def add(
        self,
        *,
        key_id: uuid.UUID,
        name: str,
        prefix: str,
        key_hash: str,
        accounts: frozenset[int],
        now: datetime,
    ) -> None: ...

    async def by_hash(self, key_hash: str) -> KeyRecord | None:
        """The live (not revoked) key with this hash."""
        ...

    async def all(self) -> list[KeyRecord]: ...

    async def revoke(self, key_id: uuid.UUID, now: datetime) -> bool:
        """``False`` when no live key has that id."""
        ...

    async def touch(self, key_id: uuid.UUID, now: datetime) -> None: ...


class IdempotencyRepository(Protocol):
    """Claims on (API key, ``Idempotency-Key``) and their stored answers.

    Rows older than ``horizon.live_after``, or pending and older than
    ``horizon.pending_after``, are dead: reads ignore them and a claim replaces them.
    ``complete`` and ``release`` act only on the caller's own pending claim (``claimed_at``).
    """

    async def claim(
        self,
        api_key_id: uuid.UUID,
        key: str,
        request_hash: str,
        *,
        now: datetime,
        horizon: Horizon,
    ) -> StoredKey | None:
        """``None`` when this call took the key; otherwise the live row that holds it."""
        ...

    async def get(
        self, api_key_id: uuid.UUID, key: str, *, horizon: Horizon
    ) -> StoredKey | None: ...

    async def complete(
        self,
        api_key_id: uuid.UUID,
        key: str,
        *,
        claimed_at: datetime,
        status_code: int,
        answer: Any,
    ) -> bool: ...

    async def release(self, api_key_id: uuid.UUID, key: str, *, claimed_at: datetime) -> bool: ...

    async def purge(self, *, before: datetime) -> int: ...


class EntitlementRepository(Protocol):
    """Consents, grants and per-account on/off choices."""

    async def sign(self, consent: Consent, pairs: Sequence[Pair]) -> list[Grant]:
        """Record the consent, grant and turn on every pair; returns their active grants."""
        ...

    async def grant(self, grant_id: uuid.UUID) -> Grant | None: ...

    async def active_grants(self, account_ids: Iterable[int]) -> list[Grant]: ...

    async def revoke(self, grant_id: uuid.UUID, *, by: uuid.UUID, now: datetime) -> Grant | None:
        """Deactivate the grant and turn its pair off; ``None`` if it was not active."""
        ...

    async def opt_out(self, pairs: Sequence[Pair], *, by: uuid.UUID, now: datetime) -> None: ...

    async def choices(self, account_ids: Iterable[int]) -> dict[Pair, bool]:
        """Recorded choices only: a pair with none is absent (and counts as enabled)."""
        ...


class FeedbackRepository(Protocol):
    """Feedback records, and the one fact about active turns that feedback needs."""

    async def add(self, record: Feedback) -> None: ...

    async def pending_output_account(self, message_id: uuid.UUID) -> int | None:
        """The account of the active response that will write ``message_id``, if any."""
        ...
