"""Entitlement use cases: list agreements, sign, list grants, revoke, status, opt out.

Entitlements belong to accounts, not to keys: a key acts for the accounts it was granted, and
what it signs or withdraws holds for every key of those accounts. The consent record keeps
which key signed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from omni_server.domain import errors
from omni_server.domain.entitlements import (
    ENTITLEMENT_CODES,
    Agreement,
    Consent,
    EntitlementStatus,
    Grant,
    scope,
    statuses,
)
from omni_server.domain.ids import new_id, utcnow
from omni_server.services.auth import Principal
from omni_server.services.ports import EntitlementRepository


def _invalid(field: str, reason: str) -> errors.InvalidRequest:
    details: list[dict[str, Any]] = [{"field": field, "reason": reason}]
    return errors.InvalidRequest(errors.INVALID_PAYLOAD, details=details)


def _accounts(principal: Principal, account_id: int | None) -> list[int]:
    """The accounts a read covers: the one asked for (if granted), else all of the key's."""
    if account_id is None:
        return sorted(principal.accounts)
    principal.require(account_id)
    return [account_id]


def _require_all(principal: Principal, account_ids: Iterable[int]) -> None:
    for account_id in account_ids:
        principal.require(account_id)


class EntitlementService:
    def __init__(self, store: EntitlementRepository, agreements: Sequence[Agreement]) -> None:
        self._store = store
        self._agreements = {a.agreement_id: a for a in agreements}

    def agreements(self) -> list[Agreement]:
        """The signable agreements; ``NotFound`` when none is configured."""
        if not self._agreements:
            raise errors.NotFound(errors.NO_AGREEMENTS)
        return list(self._agreements.values())

    async def sign(
        self,
        principal: Principal,
        *,
        agreement_id: str,
        entitlement_codes: Sequence[str],
        account_ids: Sequence[int],
    ) -> list[Grant]:
        """Record consent and upsert grants; returns the active grants of the requested scope.

        The payload is checked first (400 ``Invalid request payload``: unknown agreement, a
        code the agreement does not grant, an empty list), then the accounts (403).
        """
        agreement = self._agreements.get(agreement_id)
        if agreement is None:
            raise _invalid("agreement_id", "no signable agreement has this id")
        if not entitlement_codes:
            raise _invalid("entitlement_codes", "at least one code is required")
        foreign = sorted(set(entitlement_codes) - set(agreement.entitlement_codes))
        if foreign:
            raise _invalid("entitlement_codes", f"not granted by this agreement: {foreign}")
        if not account_ids:
            raise _invalid("account_ids", "at least one account is required")
        _require_all(principal, account_ids)
        accounts = tuple(sorted(set(account_ids)))
        codes = tuple(sorted(set(entitlement_codes)))
        consent = Consent(
            id=new_id(),
            api_key_id=principal.key_id,
            agreement_id=agreement.agreement_id,
            agreement_version=agreement.version,
            document_sha256=agreement.document_sha256,
            account_ids=accounts,
            entitlement_codes=codes,
            signed_at=utcnow(),
        )
        return await self._store.sign(consent, scope(accounts, codes))

    async def grants(self, principal: Principal, account_id: int | None) -> list[Grant]:
        """Active grants of one account, or of every account of the key."""
        return await self._store.active_grants(_accounts(principal, account_id))

    async def revoke(self, principal: Principal, entitlement_id: str) -> Grant:
        """Revoke one grant (and turn its account's entitlement off).

        ``NotFound`` for an unknown id or a grant of an account the key does not hold (ids do
        not leak across accounts), ``Conflict`` when the grant is already inactive.
        """
        try:
            grant_id = uuid.UUID(entitlement_id)
        except ValueError:
            raise errors.NotFound(errors.GRANT_NOT_FOUND) from None
        grant = await self._store.grant(grant_id)
        if grant is None or grant.account_id not in principal.accounts:
            raise errors.NotFound(errors.GRANT_NOT_FOUND)
        revoked = await self._store.revoke(grant_id, by=principal.key_id, now=utcnow())
        if revoked is None:
            raise errors.Conflict(errors.GRANT_INACTIVE)
        return revoked

    async def status(self, principal: Principal, account_id: int | None) -> list[EntitlementStatus]:
        """Per account and code: the recorded choice, enabled when there is none."""
        accounts = _accounts(principal, account_id)
        return statuses(accounts, ENTITLEMENT_CODES, await self._store.choices(accounts))

    async def opt_out(
        self, principal: Principal, *, account_ids: Sequence[int], entitlement_codes: Sequence[str]
    ) -> list[EntitlementStatus]:
        """Turn entitlements off (idempotent); signing again turns them back on."""
        if not account_ids:
            raise _invalid("account_ids", "at least one account is required")
        if not entitlement_codes:
            raise _invalid("entitlement_codes", "at least one code is required")
        _require_all(principal, account_ids)
        pairs = scope(account_ids, entitlement_codes)
        await self._store.opt_out(pairs, by=principal.key_id, now=utcnow())
        choices = await self._store.choices(account_ids)
        return statuses(account_ids, entitlement_codes, choices)
