"""Consents, grants and on/off choices.

Signing writes the consent record, the grants and the choices in one transaction. Grants and
choices are upserts (``INSERT ... ON CONFLICT``), so concurrent signatures for the same
account never duplicate a grant: the partial unique index on active grants decides.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from omni_server.domain.entitlements import ACCOUNT_DATA, Consent, Grant
from omni_server.domain.ids import new_id
from omni_server.store import codec
from omni_server.store.db import Database
from omni_server.store.inline import ConnectionLike
from omni_server.store.tables import entitlement_choices, entitlement_consents, entitlement_grants

Pair = tuple[int, str]
_ACTIVE = entitlement_grants.c.revoked_at.is_(None)


def _grant_from(row: Row[Any]) -> Grant:
    m = row._mapping
    return Grant(
        id=m["id"],
        account_id=m["account_id"],
        entitlement_code=m["entitlement_code"],
        agreement_id=m["agreement_id"],
        consent_id=m["consent_id"],
        granted_at=m["granted_at"],
        revoked_at=m["revoked_at"],
    )


def _consent_from(row: Row[Any]) -> Consent:
    m = row._mapping
    return Consent(
        id=m["id"],
        api_key_id=m["api_key_id"],
        agreement_id=m["agreement_id"],
        agreement_version=m["agreement_version"],
        document_sha256=m["document_sha256"],
        account_ids=tuple(codec.loads(m["account_ids"])),
        entitlement_codes=tuple(codec.loads(m["entitlement_codes"])),
        signed_at=m["signed_at"],
    )


def _pairs_clause(pairs: Sequence[Pair]) -> Any:
    return or_(
        *(
            and_(entitlement_grants.c.account_id == a, entitlement_grants.c.entitlement_code == c)
            for a, c in pairs
        )
    )


class EntitlementStore:
    def __init__(self, db: Database) -> None:
        self._db = db
        dialect = postgresql if db.backend == "postgresql" else sqlite
        self._upsert: Callable[[Any], Any] = dialect.insert

    # -- writes ------------------------------------------------------------------------------

    async def sign(self, consent: Consent, pairs: Sequence[Pair]) -> list[Grant]:
        """Record ``consent``, make a grant active for each pair and turn the pairs on.

        An already active grant is kept (same id); when it came from another agreement it now
        refers to this one, with this signature's time. Returns the active grants of ``pairs``.
        """
        if not pairs:
            raise ValueError("a signature grants at least one (account, code) pair")
        async with self._db.writer.begin() as conn:
            await conn.execute(
                insert(entitlement_consents).values(
                    id=consent.id,
                    api_key_id=consent.api_key_id,
                    agreement_id=consent.agreement_id,
                    agreement_version=consent.agreement_version,
                    document_sha256=consent.document_sha256,
                    account_ids=codec.dumps(list(consent.account_ids)),
                    entitlement_codes=codec.dumps(list(consent.entitlement_codes)),
                    signed_at=consent.signed_at,
                )
            )
            for account_id, code in pairs:
                await conn.execute(self._grant_upsert(consent, account_id, code))
            await self._choose(conn, pairs, True, by=consent.api_key_id, now=consent.signed_at)
            rows = await conn.execute(
                select(entitlement_grants)
                .where(_ACTIVE, _pairs_clause(pairs))
                .order_by(entitlement_grants.c.account_id, entitlement_grants.c.entitlement_code)
            )
            return [_grant_from(r) for r in rows]

    def _grant_upsert(self, consent: Consent, account_id: int, code: str) -> Any:
        statement = self._upsert(entitlement_grants).values(
            id=new_id(),
            account_id=account_id,
            entitlement_code=code,
            agreement_id=consent.agreement_id,
            consent_id=consent.id,
            granted_at=consent.signed_at,
        )
        excluded = statement.excluded
        return statement.on_conflict_do_update(
            index_elements=[entitlement_grants.c.account_id, entitlement_grants.c.entitlement_code],
            index_where=_ACTIVE,
            set_={
                "agreement_id": excluded.agreement_id,
                "consent_id": excluded.consent_id,
                "granted_at": excluded.granted_at,
            },
            where=entitlement_grants.c.agreement_id != excluded.agreement_id,
        )

    async def _choose(
        self,
        conn: ConnectionLike,
        pairs: Iterable[Pair],
        enabled: bool,
        *,
        by: uuid.UUID,
        now: datetime,
    ) -> None:
        for account_id, code in pairs:
            statement = self._upsert(entitlement_choices).values(
                account_id=account_id,
                entitlement_code=code,
                enabled=enabled,
                changed_at=now,
                changed_by=by,
            )
            await conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[
                        entitlement_choices.c.account_id,
                        entitlement_choices.c.entitlement_code,
                    ],
                    set_={"enabled": enabled, "changed_at": now, "changed_by": by},
                    where=entitlement_choices.c.enabled != enabled,
                )
            )

    async def revoke(self, grant_id: uuid.UUID, *, by: uuid.UUID, now: datetime) -> Grant | None:
        """Make an active grant inactive and turn its pair off; ``None`` if it was not active."""
        async with self._db.writer.begin() as conn:
            row = (
                await conn.execute(
                    update(entitlement_grants)
                    .where(entitlement_grants.c.id == grant_id, _ACTIVE)
                    .values(revoked_at=now, revoked_by=by)
                    .returning(*entitlement_grants.c)
                )
            ).one_or_none()
            if row is None:
                return None
            grant = _grant_from(row)
            await self._choose(
                conn, [(grant.account_id, grant.entitlement_code)], False, by=by, now=now
            )
            return grant

    async def opt_out(self, pairs: Sequence[Pair], *, by: uuid.UUID, now: datetime) -> None:
        """Turn the pairs off and revoke their active grants; pairs already off stay as they are."""
        if not pairs:
            return
        async with self._db.writer.begin() as conn:
            await conn.execute(
                update(entitlement_grants)
                .where(_ACTIVE, _pairs_clause(pairs))
                .values(revoked_at=now, revoked_by=by)
            )
            await self._choose(conn, pairs, False, by=by, now=now)

    # -- reads -------------------------------------------------------------------------------

    async def grant(self, grant_id: uuid.UUID) -> Grant | None:
        async with self._db.reader.connect() as conn:
            row = (
                await conn.execute(
                    select(entitlement_grants).where(entitlement_grants.c.id == grant_id)
                )
            ).one_or_none()
        return None if row is None else _grant_from(row)

    async def active_grants(self, account_ids: Iterable[int]) -> list[Grant]:
        """Active grants of these accounts, by account then code."""
        accounts = sorted(set(account_ids))
        if not accounts:
            return []
        async with self._db.reader.connect() as conn:
            rows = await conn.execute(
                select(entitlement_grants)
                .where(_ACTIVE, entitlement_grants.c.account_id.in_(accounts))
                .order_by(entitlement_grants.c.account_id, entitlement_grants.c.entitlement_code)
            )
            return [_grant_from(r) for r in rows]

    async def choices(self, account_ids: Iterable[int]) -> dict[Pair, bool]:
        """The recorded on/off choices of these accounts (pairs without one are absent)."""
        accounts = sorted(set(account_ids))
        if not accounts:
            return {}
        async with self._db.reader.connect() as conn:
            rows = await conn.execute(
                select(entitlement_choices).where(entitlement_choices.c.account_id.in_(accounts))
            )
            return {(r.account_id, r.entitlement_code): bool(r.enabled) for r in rows}

    async def account_data_enabled(self, account_id: int) -> bool:
        """Whether Omni may read the account's data: its choice, enabled when none is recorded."""
        choices = await self.choices([account_id])
        return choices.get((account_id, ACCOUNT_DATA), True)

    async def consents(self, api_key_id: uuid.UUID | None = None) -> list[Consent]:
        """The audit trail, oldest first (optionally only one key's signatures)."""
        query = select(entitlement_consents).order_by(
            entitlement_consents.c.signed_at, entitlement_consents.c.id
        )
        if api_key_id is not None:
            query = query.where(entitlement_consents.c.api_key_id == api_key_id)
        async with self._db.reader.connect() as conn:
            return [_consent_from(r) for r in await conn.execute(query)]
