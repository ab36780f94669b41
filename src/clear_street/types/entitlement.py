"""Consent records that let the assistant read a trading account's data.

An agreement is the document a user signs; a grant (``EntitlementResource``) is the consent
recorded for one account; a status tells whether the entitlement is on for an account,
which it is by default until the user opts out.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from clear_street.types._base import Timestamp, WireModel

EntitlementCode = Literal["omni.account_data"]
EntitlementAgreementKey = Literal["omni_account_data_access"]


class EntitlementAgreementResource(WireModel):
    """A signable agreement and the entitlements it grants."""

    agreement_id: str = Field(description="Id to quote when recording consent.")
    agreement_key: EntitlementAgreementKey = Field(description="Stable agreement family.")
    version: int = Field(description="Version of the document within its family.")
    title: str = Field(description="Title shown on the consent screen.")
    document_content: str = Field(description="The text the user agrees to.")
    document_sha256: str = Field(description="SHA-256 of `document_content`, hex encoded.")
    entitlement_codes: list[EntitlementCode] = Field(description="What signing grants.")


class EntitlementResource(WireModel):
    """An active grant: consent recorded for one account and one entitlement."""

    entitlement_id: str = Field(description="Id of the grant.")
    account_id: int = Field(description="The account consent was given for.")
    entitlement_code: EntitlementCode = Field(description="What was granted.")
    agreement_id: str = Field(description="The agreement that was signed.")
    granted_at: Timestamp = Field(description="When the consent was recorded.")


class EntitlementStatusResource(WireModel):
    """Whether an entitlement is on for an account (on unless the user opted out)."""

    account_id: int = Field(description="The account.")
    enabled: bool = Field(description="Whether the assistant may read its data.")
    entitlement_code: EntitlementCode = Field(description="The entitlement concerned.")


class DeleteEntitlementResponse(WireModel):
    """The outcome of revoking a grant."""

    entitlement_id: str = Field(description="Id of the grant.")
    revoked: bool = Field(description="True once the grant is inactive.")
