"""EntitlementService on a fake store: payload checks before account checks, then the
grant/choice bookkeeping that signing, revoking and opting out leave behind."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from omni_server.domain import errors
from omni_server.domain.entitlements import ACCOUNT_DATA, Agreement
from omni_server.domain.ids import new_id
from omni_server.services.entitlements import EntitlementService
from tests.unit.fakes import FakeEntitlementStore, principal

AGREEMENT = Agreement(
    agreement_id="omni_account_data_access_v2",
    agreement_key="omni_account_data_access",
    version=2,
    title="Account data",
    document_content="You agree.",
    entitlement_codes=(ACCOUNT_DATA,),
)
CALLER = principal(1, 2)


@pytest.fixture
def store() -> FakeEntitlementStore:
    return FakeEntitlementStore()


@pytest.fixture
def service(store: FakeEntitlementStore) -> EntitlementService:
    return EntitlementService(store, [AGREEMENT])


async def sign(service: EntitlementService, accounts: Sequence[int] = (1,)) -> None:
    await service.sign(
        CALLER,
        agreement_id=AGREEMENT.agreement_id,
        entitlement_codes=[ACCOUNT_DATA],
        account_ids=accounts,
    )


def test_agreements_lists_the_configured_ones_and_404s_without_any() -> None:
    assert EntitlementService(FakeEntitlementStore(), [AGREEMENT]).agreements() == [AGREEMENT]
    with pytest.raises(errors.NotFound) as caught:
        EntitlementService(FakeEntitlementStore(), []).agreements()
    assert caught.value.message == errors.NO_AGREEMENTS


async def test_signing_records_who_signed_what_and_grants_each_account(
    service: EntitlementService, store: FakeEntitlementStore
) -> None:
    grants = await service.sign(
        CALLER,
        agreement_id=AGREEMENT.agreement_id,
        entitlement_codes=[ACCOUNT_DATA, ACCOUNT_DATA],
        account_ids=[2, 1, 2],
    )

    assert [(g.account_id, g.entitlement_code) for g in grants] == [
        (1, ACCOUNT_DATA),
        (2, ACCOUNT_DATA),
    ]
    (consent,) = store.consents
    assert consent.api_key_id == CALLER.key_id
    assert (consent.agreement_version, consent.document_sha256) == (2, AGREEMENT.document_sha256)
    assert (consent.account_ids, consent.entitlement_codes) == ((1, 2), (ACCOUNT_DATA,))
    assert {g.consent_id for g in grants} == {consent.id}


@pytest.mark.parametrize(
    ("agreement_id", "codes", "accounts", "field"),
    [
        ("unknown", [ACCOUNT_DATA], [1], "agreement_id"),
        (AGREEMENT.agreement_id, [], [1], "entitlement_codes"),
        (AGREEMENT.agreement_id, [ACCOUNT_DATA, "omni.other"], [1], "entitlement_codes"),
        (AGREEMENT.agreement_id, [ACCOUNT_DATA], [], "account_ids"),
    ],
)
async def test_a_bad_payload_is_a_400_naming_the_field_even_for_foreign_accounts(
    store: FakeEntitlementStore,
    agreement_id: str,
    codes: list[str],
    accounts: list[int],
    field: str,
) -> None:
    service = EntitlementService(store, [AGREEMENT])
    with pytest.raises(errors.InvalidRequest) as caught:
        await service.sign(
            principal(9), agreement_id=agreement_id, entitlement_codes=codes, account_ids=accounts
        )
    assert caught.value.message == errors.INVALID_PAYLOAD
    assert caught.value.details is not None
    assert caught.value.details[0]["field"] == field
    assert store.consents == []


async def test_signing_for_any_account_the_key_lacks_signs_nothing(
    service: EntitlementService, store: FakeEntitlementStore
) -> None:
    with pytest.raises(errors.PermissionDenied):
        await service.sign(
            CALLER,
            agreement_id=AGREEMENT.agreement_id,
            entitlement_codes=[ACCOUNT_DATA],
            account_ids=[1, 3],
        )
    assert store.consents == []


async def test_grants_cover_one_account_or_all_of_the_key(service: EntitlementService) -> None:
    await sign(service, [1, 2])

    assert [g.account_id for g in await service.grants(CALLER, None)] == [1, 2]
    assert [g.account_id for g in await service.grants(CALLER, 2)] == [2]
    assert [g.account_id for g in await service.grants(principal(2, 5), None)] == [2]
    with pytest.raises(errors.PermissionDenied):
        await service.grants(CALLER, 3)


async def test_revoke_turns_the_account_off_once_then_conflicts(
    service: EntitlementService,
) -> None:
    await sign(service, [1])
    (grant,) = await service.grants(CALLER, 1)

    revoked = await service.revoke(CALLER, str(grant.id))

    assert revoked.id == grant.id and not revoked.active
    assert [s.enabled for s in await service.status(CALLER, 1)] == [False]
    with pytest.raises(errors.Conflict) as caught:
        await service.revoke(CALLER, str(grant.id))
    assert caught.value.message == errors.GRANT_INACTIVE


async def test_revoke_of_a_malformed_unknown_or_foreign_grant_is_not_found(
    service: EntitlementService,
) -> None:
    await sign(service, [2])
    (foreign,) = await service.grants(CALLER, 2)
    for grant_id in ["not-a-uuid", str(new_id()), str(foreign.id)]:
        with pytest.raises(errors.NotFound) as caught:
            await service.revoke(principal(1), grant_id)
        assert caught.value.message == errors.GRANT_NOT_FOUND
    assert (await service.grants(CALLER, 2))[0].active


async def test_status_is_enabled_until_opted_out_and_signing_turns_it_back_on(
    service: EntitlementService,
) -> None:
    assert [(s.account_id, s.enabled) for s in await service.status(CALLER, None)] == [
        (1, True),
        (2, True),
    ]
    statuses = await service.opt_out(CALLER, account_ids=[1], entitlement_codes=[ACCOUNT_DATA])
    assert [(s.account_id, s.enabled) for s in statuses] == [(1, False)]
    assert [s.enabled for s in await service.status(CALLER, 2)] == [True]

    await sign(service, [1])

    assert [s.enabled for s in await service.status(CALLER, 1)] == [True]
    with pytest.raises(errors.PermissionDenied):
        await service.status(CALLER, 3)


@pytest.mark.parametrize(
    ("accounts", "codes", "field"),
    [([], [ACCOUNT_DATA], "account_ids"), ([1], [], "entitlement_codes")],
)
async def test_opt_out_needs_accounts_and_codes(
    service: EntitlementService, accounts: list[int], codes: list[str], field: str
) -> None:
    with pytest.raises(errors.InvalidRequest) as caught:
        await service.opt_out(CALLER, account_ids=accounts, entitlement_codes=codes)
    assert caught.value.details is not None
    assert caught.value.details[0]["field"] == field


async def test_opt_out_for_an_account_the_key_lacks_changes_nothing(
    service: EntitlementService, store: FakeEntitlementStore
) -> None:
    with pytest.raises(errors.PermissionDenied):
        await service.opt_out(CALLER, account_ids=[1, 3], entitlement_codes=[ACCOUNT_DATA])
    assert store.chosen == {}
