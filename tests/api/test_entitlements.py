"""Entitlement endpoints: agreements, grants, revoke, status, opt-out, and their effect on turns."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import uuid
from pathlib import Path
from typing import Any

from omni_server.agreements import DEFAULT_AGREEMENT_ID
from omni_server.domain.entitlements import Agreement
from omni_server.services.entitlements import EntitlementService
from omni_server.store.entitlements import EntitlementStore
from tests.api.test_errors import FORBIDDEN, assert_error
from tests.conftest import fast_settings
from tests.support import Harness, running_app, sqlite_url, wait_terminal

API = "/v1/omni-ai"
CODE = "omni.account_data"
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
INVALID = "Invalid request payload"


def sign_body(*accounts: int, agreement_id: str = DEFAULT_AGREEMENT_ID) -> dict[str, Any]:
    return {
        "agreement_id": agreement_id,
        "entitlement_codes": [CODE],
        "account_ids": list(accounts),
    }


async def sign(h: Harness, *accounts: int) -> list[dict[str, Any]]:
    r = await h.client.post(f"{API}/entitlements", json=sign_body(*accounts))
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


async def status(h: Harness, **params: Any) -> list[dict[str, Any]]:
    r = await h.client.get(f"{API}/entitlement-status", params=params)
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


async def opt_out(h: Harness, *accounts: int) -> list[dict[str, Any]]:
    body = {"account_ids": list(accounts), "entitlement_codes": [CODE]}
    r = await h.client.post(f"{API}/entitlements/opt-out", json=body)
    assert r.status_code == 200, r.text
    data: list[dict[str, Any]] = r.json()["data"]
    return data


def row(account: int, enabled: bool) -> dict[str, Any]:
    return {"account_id": account, "enabled": enabled, "entitlement_code": CODE}


# -- agreements ----------------------------------------------------------------------------


async def test_agreements_list_the_default_agreement(harness: Harness) -> None:
    r = await harness.client.get(f"{API}/entitlement-agreements")
    assert r.status_code == 200
    (agreement,) = r.json()["data"]
    assert set(agreement) == {
        "agreement_id",
        "agreement_key",
        "version",
        "title",
        "document_content",
        "document_sha256",
        "entitlement_codes",
    }
    assert agreement["agreement_id"] == DEFAULT_AGREEMENT_ID
    assert agreement["agreement_key"] == "omni_account_data_access"
    assert agreement["version"] == 1
    assert agreement["entitlement_codes"] == [CODE]
    digest = hashlib.sha256(agreement["document_content"].encode()).hexdigest()
    assert agreement["document_sha256"] == digest


async def test_no_configured_agreement_is_not_found(tmp_path: Path) -> None:
    config = tmp_path / "agreements.toml"
    config.write_text("agreements = []\n", encoding="utf-8")
    settings = fast_settings(sqlite_url(tmp_path), agreements_file=config)
    async with running_app(settings) as h:
        r = await h.client.get(f"{API}/entitlement-agreements")
        assert_error(r, 404, "No active signable agreements")
        r = await h.client.post(f"{API}/entitlements", json=sign_body(1))
        assert_error(r, 400, INVALID)


async def test_configured_agreements_are_served_and_signable(tmp_path: Path) -> None:
    config = tmp_path / "agreements.toml"
    config.write_text(
        '[[agreements]]\nagreement_id = "01K00000000000000000000002"\nversion = 2\n'
        'title = "Data access v2"\ndocument = "Text v2"\n',
        encoding="utf-8",
    )
    async with running_app(fast_settings(sqlite_url(tmp_path), agreements_file=config)) as h:
        (agreement,) = (await h.client.get(f"{API}/entitlement-agreements")).json()["data"]
        assert agreement["version"] == 2 and agreement["document_content"] == "Text v2"
        r = await h.client.post(f"{API}/entitlements", json=sign_body(1))
        assert_error(r, 400, INVALID)  # the default agreement is not offered any more
        body = sign_body(1, agreement_id="01K00000000000000000000002")
        r = await h.client.post(f"{API}/entitlements", json=body)
        assert r.json()["data"][0]["agreement_id"] == "01K00000000000000000000002"


# -- signing -------------------------------------------------------------------------------


async def test_signing_returns_the_active_grants_of_the_scope(harness: Harness) -> None:
    grants = await sign(harness, 2, 1, 2)
    assert [g["account_id"] for g in grants] == [1, 2]
    for grant in grants:
        assert set(grant) == {
            "entitlement_id",
            "account_id",
            "entitlement_code",
            "agreement_id",
            "granted_at",
        }
        assert uuid.UUID(grant["entitlement_id"]).version == 7
        assert grant["entitlement_code"] == CODE
        assert grant["agreement_id"] == DEFAULT_AGREEMENT_ID
        assert TIMESTAMP.match(grant["granted_at"])


async def test_signing_twice_does_not_duplicate(harness: Harness) -> None:
    first = await sign(harness, 1)
    again = await sign(harness, 1, 2)
    assert again[0] == first[0]
    assert len(again) == 2
    r = await harness.client.get(f"{API}/entitlements")
    assert [g["account_id"] for g in r.json()["data"]] == [1, 2]


async def test_every_signature_is_kept_in_the_audit_trail(harness: Harness) -> None:
    await sign(harness, 1)
    await sign(harness, 1, 2)
    consents = await EntitlementStore(harness.app.state.db).consents()
    assert [c.account_ids for c in consents] == [(1,), (1, 2)]
    agreement = harness.app.state.services.entitlements.agreements()[0]
    for consent in consents:
        assert consent.agreement_id == DEFAULT_AGREEMENT_ID
        assert consent.agreement_version == 1
        assert consent.document_sha256 == agreement.document_sha256
        assert consent.entitlement_codes == (CODE,)
    principal = await harness.app.state.services.keys.authenticate(f"Bearer {harness.key}")
    assert {c.api_key_id for c in consents} == {principal.key_id}


async def test_signing_refuses_invalid_payloads(harness: Harness) -> None:
    for body in (
        sign_body(1, agreement_id="nope"),
        {"agreement_id": DEFAULT_AGREEMENT_ID, "entitlement_codes": [], "account_ids": [1]},
        {"agreement_id": DEFAULT_AGREEMENT_ID, "entitlement_codes": [CODE], "account_ids": []},
        sign_body(99, agreement_id="nope"),  # the payload is checked before the accounts
    ):
        r = await harness.client.post(f"{API}/entitlements", json=body)
        assert_error(r, 400, INVALID)
        assert r.json()["error"]["details"][0]["field"]
    assert (await harness.client.get(f"{API}/entitlements")).json()["data"] == []


async def test_codes_must_belong_to_the_agreement(harness: Harness) -> None:
    other = Agreement("OTHER", "omni_account_data_access", 9, "T", "D", ("omni.other",))
    store = EntitlementStore(harness.app.state.db)
    services = harness.app.state.services
    harness.app.state.services = dataclasses.replace(
        services, entitlements=EntitlementService(store, [other])
    )
    r = await harness.client.post(f"{API}/entitlements", json=sign_body(1, agreement_id="OTHER"))
    body = assert_error(r, 400, INVALID)
    assert body["error"]["details"] == [
        {
            "field": "entitlement_codes",
            "reason": "not granted by this agreement: ['omni.account_data']",
        }
    ]


async def test_signing_for_an_account_not_granted_is_forbidden(harness: Harness) -> None:
    r = await harness.client.post(f"{API}/entitlements", json=sign_body(1, 99))
    assert_error(r, 403, FORBIDDEN)
    assert (await harness.client.get(f"{API}/entitlements")).json()["data"] == []


async def test_body_shape_errors_are_422(harness: Harness) -> None:
    r = await harness.client.post(f"{API}/entitlements", json={"agreement_id": "x"})
    assert r.status_code == 422
    assert r.json()["error"]["message"].startswith(
        "Failed to deserialize the JSON body into the target type: "
        "missing field `entitlement_codes`"
    )
    body = {"agreement_id": "x", "entitlement_codes": ["bad"], "account_ids": [1]}
    r = await harness.client.post(f"{API}/entitlements", json=body)
    assert r.status_code == 422 and "unknown variant `bad`" in r.json()["error"]["message"]
    r = await harness.client.post(f"{API}/entitlements/opt-out", content=b"{")
    assert r.status_code == 400


# -- listing and revoking grants -------------------------------------------------------------


async def test_grants_are_listed_per_account_or_for_all(harness: Harness) -> None:
    await sign(harness, 1, 2)
    r = await harness.client.get(f"{API}/entitlements", params={"account_id": 2})
    assert [g["account_id"] for g in r.json()["data"]] == [2]
    r = await harness.client.get(f"{API}/entitlements", params={"account_id": 99})
    assert_error(r, 403, FORBIDDEN)
    r = await harness.client.get(f"{API}/entitlements", params={"account_id": "x"})
    assert_error(r, 400, "Failed to deserialize query string: invalid digit found in string")
    other = await harness.new_key(3)
    r = await harness.client.get(
        f"{API}/entitlements", headers={"Authorization": f"Bearer {other}"}
    )
    assert r.json()["data"] == []


async def test_revoke_then_revoke_again(harness: Harness) -> None:
    grant = (await sign(harness, 1))[0]
    path = f"{API}/entitlements/{grant['entitlement_id']}"
    r = await harness.client.delete(path)
    assert r.status_code == 200
    assert r.json()["data"] == {"entitlement_id": grant["entitlement_id"], "revoked": True}
    assert_error(await harness.client.delete(path), 409, "Grant already inactive")
    assert (await harness.client.get(f"{API}/entitlements")).json()["data"] == []
    assert await status(harness, account_id=1) == [row(1, False)]
    again = (await sign(harness, 1))[0]
    assert again["entitlement_id"] != grant["entitlement_id"]
    assert await status(harness, account_id=1) == [row(1, True)]
    assert_error(await harness.client.delete(path), 409, "Grant already inactive")


async def test_revoking_unknown_or_foreign_grants_is_not_found(harness: Harness) -> None:
    other = await harness.new_key(3)
    other_headers = {"Authorization": f"Bearer {other}"}
    r = await harness.client.post(f"{API}/entitlements", json=sign_body(3), headers=other_headers)
    foreign = r.json()["data"][0]["entitlement_id"]
    for entitlement_id in (foreign, str(uuid.uuid4()), "not-a-uuid"):
        r = await harness.client.delete(f"{API}/entitlements/{entitlement_id}")
        assert_error(r, 404, "Grant not found")
    r = await harness.client.get(f"{API}/entitlements", headers=other_headers)
    assert len(r.json()["data"]) == 1


# -- status and opt-out ----------------------------------------------------------------------


async def test_status_defaults_to_enabled(harness: Harness) -> None:
    assert await status(harness) == [row(1, True), row(2, True)]
    assert await status(harness, account_id=2) == [row(2, True)]
    r = await harness.client.get(f"{API}/entitlement-status", params={"account_id": 99})
    assert_error(r, 403, FORBIDDEN)


async def test_opt_out_is_idempotent_and_signing_turns_it_back_on(harness: Harness) -> None:
    await sign(harness, 1, 2)
    assert await opt_out(harness, 2, 2) == [row(2, False)]
    assert await opt_out(harness, 2) == [row(2, False)]
    assert await status(harness) == [row(1, True), row(2, False)]
    r = await harness.client.get(f"{API}/entitlements")
    assert [g["account_id"] for g in r.json()["data"]] == [1]
    await sign(harness, 2)
    assert await status(harness) == [row(1, True), row(2, True)]


async def test_opt_out_refusals(harness: Harness) -> None:
    body = {"account_ids": [1, 99], "entitlement_codes": [CODE]}
    r = await harness.client.post(f"{API}/entitlements/opt-out", json=body)
    assert_error(r, 403, FORBIDDEN)
    assert await status(harness, account_id=1) == [row(1, True)]
    for body in (
        {"account_ids": [], "entitlement_codes": [CODE]},
        {"account_ids": [1], "entitlement_codes": []},
    ):
        r = await harness.client.post(f"{API}/entitlements/opt-out", json=body)
        assert_error(r, 400, INVALID)
    r = await harness.client.post(f"{API}/entitlements/opt-out", json={"account_ids": [1]})
    assert r.status_code == 422


async def test_endpoints_need_a_key(harness: Harness) -> None:
    harness.client.headers.pop("Authorization")
    for method, path in (
        ("GET", "/entitlement-agreements"),
        ("GET", "/entitlements"),
        ("POST", "/entitlements"),
        ("DELETE", f"/entitlements/{uuid.uuid4()}"),
        ("GET", "/entitlement-status"),
        ("POST", "/entitlements/opt-out"),
    ):
        r = await harness.client.request(method, API + path, json=sign_body(1))
        assert r.status_code == 401, (method, path)


# -- the engine sees the status --------------------------------------------------------------


async def ask(h: Harness, account: int, text: str, *capabilities: str) -> dict[str, Any]:
    body = {"account_id": account, "type": "instant", "text": text}
    if capabilities:
        body["capabilities"] = list(capabilities)
    r = await h.client.post(f"{API}/threads", json=body)
    return await wait_terminal(h.client, r.json()["data"]["response_id"], account)


def actions(response: dict[str, Any]) -> list[str]:
    parts = response["content"]["parts"]
    return [key for p in parts if p["type"] == "structured_action" for key in p["action"]]


async def test_turns_follow_the_accounts_status(harness: Harness) -> None:
    consent = "OPEN_ENTITLEMENT_CONSENT"
    enabled = await ask(harness, 1, "What are my positions?", consent)
    assert actions(enabled) == []
    await opt_out(harness, 1)
    disabled = await ask(harness, 1, "What are my positions?", consent)
    assert actions(disabled) == ["open_entitlement_consent"]
    text_only = await ask(harness, 1, "What are my positions?")
    assert actions(text_only) == [] and "turned off" in text_only["content"]["parts"][1]["text"]
    assert actions(await ask(harness, 2, "What are my positions?", consent)) == []
    await sign(harness, 1)
    assert actions(await ask(harness, 1, "What are my positions?", consent)) == []
