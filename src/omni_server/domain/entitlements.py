"""Entitlements: the agreements a user signs, the grants they produce and the on/off choice.

Three records, kept apart on purpose:

- a **consent** is the audit trail: who (which API key) signed which agreement (id, version,
  SHA-256 of its text) for which accounts, and when. It is appended, never changed.
- a **grant** (``EntitlementResource`` on the wire) is one active entitlement for one account,
  upserted by signing and made inactive by a revoke or an opt-out.
- a **choice** is the account's current on/off setting for one code. Accounts with no
  recorded choice are enabled (the 0.11 rule); signing turns an account on, opting out or
  revoking its grant turns it off.

Nothing here does I/O.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final

ACCOUNT_DATA: Final = "omni.account_data"
"""The one entitlement code of the contract: Omni may read the account's data."""

ACCOUNT_DATA_AGREEMENT: Final = "omni_account_data_access"
"""The one agreement family of the contract."""

ENTITLEMENT_CODES: Final = (ACCOUNT_DATA,)
"""Every code an account has a status for, in the order statuses are listed."""


def sha256_hex(text: str) -> str:
    """``document_sha256``: SHA-256 of the document's UTF-8 bytes, lower-case hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Agreement:
    """A signable document and the entitlement codes that signing it grants."""

    agreement_id: str
    agreement_key: str
    version: int
    title: str
    document_content: str
    entitlement_codes: tuple[str, ...]

    @property
    def document_sha256(self) -> str:
        return sha256_hex(self.document_content)


@dataclass(frozen=True, slots=True)
class Consent:
    """One signature, as the audit trail keeps it."""

    id: uuid.UUID
    api_key_id: uuid.UUID
    agreement_id: str
    agreement_version: int
    document_sha256: str
    account_ids: tuple[int, ...]
    entitlement_codes: tuple[str, ...]
    signed_at: datetime


@dataclass(frozen=True, slots=True)
class Grant:
    """One entitlement granted to one account; active until ``revoked_at`` is set."""

    id: uuid.UUID
    account_id: int
    entitlement_code: str
    agreement_id: str
    consent_id: uuid.UUID
    granted_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class EntitlementStatus:
    account_id: int
    entitlement_code: str
    enabled: bool


def scope(account_ids: Iterable[int], codes: Iterable[str]) -> list[tuple[int, str]]:
    """Every (account, code) pair, without repeats, ordered by account then code."""
    return sorted({(a, c) for a in account_ids for c in codes})


def statuses(
    account_ids: Iterable[int], codes: Iterable[str], choices: Mapping[tuple[int, str], bool]
) -> list[EntitlementStatus]:
    """The status of each pair: the recorded choice, or enabled when there is none."""
    return [
        EntitlementStatus(account, code, choices.get((account, code), True))
        for account, code in scope(account_ids, codes)
    ]
