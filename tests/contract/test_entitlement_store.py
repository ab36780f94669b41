"""Entitlement and feedback storage, on every backend: upserts, revokes, audit trail, feedback."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from omni_server.domain.entitlements import ACCOUNT_DATA, Consent
from omni_server.domain.ids import new_id, utcnow
from omni_server.domain.lifecycle import ResponseStatus
from omni_server.domain.models import Feedback, Mode, TurnRequest
from omni_server.store import migrate
from omni_server.store.db import Database
from omni_server.store.entitlements import EntitlementStore
from omni_server.store.feedback import FeedbackStore
from omni_server.store.queries import QueryStore
from omni_server.store.tables import entitlement_choices
from omni_server.store.turns import TurnStore

KEY = uuid.UUID("00000000-0000-7000-8000-000000000001")


def consent(*accounts: int, agreement_id: str = "AG1", version: int = 1) -> Consent:
    return Consent(
        id=new_id(),
        api_key_id=KEY,
        agreement_id=agreement_id,
        agreement_version=version,
        document_sha256="ab" * 32,
        account_ids=accounts,
        entitlement_codes=(ACCOUNT_DATA,),
        signed_at=utcnow(),
    )


def pairs(*accounts: int) -> list[tuple[int, str]]:
    return [(a, ACCOUNT_DATA) for a in accounts]


async def test_signing_upserts_one_active_grant_per_pair(db: Database) -> None:
    store = EntitlementStore(db)
    first = await store.sign(consent(1, 2), pairs(1, 2))
    assert [(g.account_id, g.agreement_id) for g in first] == [(1, "AG1"), (2, "AG1")]
    again = await store.sign(consent(1), pairs(1))
    assert again == first[:1]
    newer = await store.sign(consent(1, agreement_id="AG2", version=2), pairs(1))
    assert newer[0].id == first[0].id
    assert newer[0].agreement_id == "AG2" and newer[0].granted_at > first[0].granted_at
    assert len(await store.active_grants([1, 2, 3])) == 2
    assert len(await store.consents()) == 3
    assert await store.consents(uuid.uuid4()) == []


async def test_concurrent_signatures_never_duplicate_a_grant(db: Database) -> None:
    store = EntitlementStore(db)
    results = await asyncio.gather(*(store.sign(consent(5, 6), pairs(5, 6)) for _ in range(10)))
    ids = {tuple(g.id for g in grants) for grants in results}
    assert len(ids) == 1
    assert len(await store.active_grants([5, 6])) == 2


async def test_revoke_is_conditional_and_turns_the_pair_off(db: Database) -> None:
    store = EntitlementStore(db)
    (grant,) = await store.sign(consent(1), pairs(1))
    assert await store.account_data_enabled(1)
    revoked = await store.revoke(grant.id, by=KEY, now=utcnow())
    assert revoked is not None and revoked.revoked_at is not None and not revoked.active
    assert await store.revoke(grant.id, by=KEY, now=utcnow()) is None
    assert await store.revoke(uuid.uuid4(), by=KEY, now=utcnow()) is None
    assert not await store.account_data_enabled(1)
    stored = await store.grant(grant.id)
    assert stored is not None and stored.revoked_at == revoked.revoked_at
    (fresh,) = await store.sign(consent(1), pairs(1))
    assert fresh.id != grant.id and await store.account_data_enabled(1)


async def test_opt_out_revokes_and_is_idempotent(db: Database) -> None:
    store = EntitlementStore(db)
    assert await store.account_data_enabled(7)
    assert await store.choices([7]) == {}
    await store.sign(consent(7, 8), pairs(7, 8))
    first_time = utcnow()
    await store.opt_out(pairs(7), by=KEY, now=first_time)
    await store.opt_out(pairs(7), by=KEY, now=first_time + timedelta(seconds=5))
    assert await store.choices([7, 8]) == {(7, ACCOUNT_DATA): False, (8, ACCOUNT_DATA): True}
    assert [g.account_id for g in await store.active_grants([7, 8])] == [8]
    async with db.reader.connect() as conn:
        changed = (
            await conn.execute(
                select(entitlement_choices.c.changed_at).where(
                    entitlement_choices.c.account_id == 7
                )
            )
        ).scalar_one()
    assert changed == first_time  # already off: left as it was
    await store.opt_out([], by=KEY, now=utcnow())


@pytest.mark.parametrize(
    "statement",
    ["UPDATE entitlement_consents SET agreement_version = 9", "DELETE FROM entitlement_consents"],
)
async def test_the_consent_trail_is_append_only(db: Database, statement: str) -> None:
    store = EntitlementStore(db)
    await store.sign(consent(1), pairs(1))
    with pytest.raises(DBAPIError, match="append-only"):
        async with db.writer.begin() as conn:
            await conn.execute(text(statement))
    assert len(await store.consents()) == 1


async def test_feedback_is_stored_per_message(db: Database) -> None:
    turns, store = TurnStore(db), FeedbackStore(db)
    accepted = await turns.create_thread(
        account_id=1, request=TurnRequest(mode=Mode.INSTANT, text="hi"), now=utcnow()
    )
    response = await turns.finalize(accepted.response_id, ResponseStatus.CANCELED, now=utcnow())
    assert response is not None
    assert await store.pending_output_account(response.output_message_id) is None
    records: list[Any] = []
    for score in (5, 1):
        record = Feedback(
            id=new_id(),
            message_id=response.output_message_id,
            account_id=1,
            api_key_id=KEY,
            score=score,
            created_at=utcnow(),
            comment="c" if score == 5 else None,
            metadata={"a": [1, {"b": None}]} if score == 5 else None,
        )
        await store.add(record)
        records.append(record)
    assert await store.for_message(response.output_message_id) == records
    with pytest.raises(DBAPIError):  # the message must exist
        await store.add(dataclasses.replace(records[0], id=new_id(), message_id=uuid.uuid4()))


async def test_pending_output_is_found_while_the_turn_is_active(db: Database) -> None:
    turns, store = TurnStore(db), FeedbackStore(db)
    accepted = await turns.create_thread(
        account_id=3, request=TurnRequest(mode=Mode.INSTANT, text="hi"), now=utcnow()
    )
    response = await QueryStore(db).response(accepted.response_id)
    assert response is not None
    assert await store.pending_output_account(response.output_message_id) == 3
    await TurnStore(db).finalize(response.id, ResponseStatus.CANCELED, now=utcnow())
    assert await store.pending_output_account(response.output_message_id) is None


async def test_migration_0003_downgrades_and_upgrades(db: Database) -> None:
    async with db.writer.begin() as conn:
        await conn.run_sync(lambda c: command.downgrade(migrate._config(c), "0002"))
    assert not await migrate.is_current(db.reader)
    await migrate.upgrade(db.writer)
    assert await migrate.is_current(db.reader)
    await test_the_consent_trail_is_append_only(db, "DELETE FROM entitlement_consents")


async def test_migration_0004_usage_downgrades_and_upgrades(db: Database) -> None:
    async with db.writer.begin() as conn:
        await conn.run_sync(lambda c: command.downgrade(migrate._config(c), "0003"))
    assert not await migrate.is_current(db.reader)
    await migrate.upgrade(db.writer)
    assert await migrate.is_current(db.reader)
