"""Entitlements: agreements to sign, grants, per-account status and opt-out."""

from __future__ import annotations

from starlette.requests import Request

from omni_server.api import wire
from omni_server.api.deps import OPTIONAL_ACCOUNT, json_body, principal, query_fields, services
from omni_server.api.envelope import JSON, ok
from omni_server.api.reading.models import CreateEntitlementsRequest, OptOutEntitlementsRequest


async def get_entitlement_agreements(request: Request) -> JSON:
    await principal(request)
    return ok(request, [wire.agreement(a) for a in services(request).entitlements.agreements()])


async def get_entitlements(request: Request) -> JSON:
    caller = await principal(request)
    account = query_fields(request, OPTIONAL_ACCOUNT)["account_id"]
    grants = await services(request).entitlements.grants(caller, account)
    return ok(request, [wire.grant(g) for g in grants])


async def create_entitlements(request: Request) -> JSON:
    caller = await principal(request)
    body = await json_body(request, CreateEntitlementsRequest)
    grants = await services(request).entitlements.sign(
        caller,
        agreement_id=body.agreement_id,
        entitlement_codes=[code.value for code in body.entitlement_codes],
        account_ids=body.account_ids,
    )
    return ok(request, [wire.grant(g) for g in grants])


async def delete_entitlement(request: Request) -> JSON:
    caller = await principal(request)
    entitlement_id: str = request.path_params["entitlement_id"]
    revoked = await services(request).entitlements.revoke(caller, entitlement_id)
    return ok(request, wire.revoked(revoked))


async def get_entitlement_status(request: Request) -> JSON:
    caller = await principal(request)
    account = query_fields(request, OPTIONAL_ACCOUNT)["account_id"]
    found = await services(request).entitlements.status(caller, account)
    return ok(request, [wire.entitlement_status(s) for s in found])


async def opt_out_entitlements(request: Request) -> JSON:
    caller = await principal(request)
    body = await json_body(request, OptOutEntitlementsRequest)
    found = await services(request).entitlements.opt_out(
        caller,
        account_ids=body.account_ids,
        entitlement_codes=[code.value for code in body.entitlement_codes],
    )
    return ok(request, [wire.entitlement_status(s) for s in found])
