"""Entitlements: agreements to sign, grants, per-account status and opt-out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from clear_street import types
from omni_server.api import wire
from omni_server.api.deps import Caller, OptionalAccountId, body_schema, json_body, services
from omni_server.api.docs import documented
from omni_server.api.envelope import JSON, ok
from omni_server.api.requests import CreateEntitlementsRequest, OptOutEntitlementsRequest

router = APIRouter(prefix="/v1/omni-ai", tags=["entitlements"])

EntitlementId = Annotated[str, Path(description="Entitlement grant id.")]


@router.get(
    "/entitlement-agreements",
    summary="List the signable entitlement agreements",
    **documented(types.EntitlementGetEntitlementAgreementsResponse, 404),
)
async def get_entitlement_agreements(request: Request, _caller: Caller) -> JSON:
    svc = services(request)
    return ok(request, [wire.agreement(a) for a in svc.entitlements.agreements()])


@router.get(
    "/entitlements",
    summary="List active entitlement grants (deprecated in 0.11)",
    **documented(types.EntitlementGetEntitlementsResponse, 403),
)
async def get_entitlements(
    request: Request, caller: Caller, account_id: OptionalAccountId = None
) -> JSON:
    svc = services(request)
    grants = await svc.entitlements.grants(caller, account_id)
    return ok(request, [wire.grant(g) for g in grants])


@router.post(
    "/entitlements",
    **documented(types.EntitlementCreateEntitlementsResponse, 403, 422),
    summary="Record consent and upsert grants (also turns opted-out accounts back on)",
    openapi_extra=body_schema(CreateEntitlementsRequest),
)
async def create_entitlements(
    request: Request,
    caller: Caller,
    body: Annotated[CreateEntitlementsRequest, Depends(json_body(CreateEntitlementsRequest))],
) -> JSON:
    svc = services(request)
    grants = await svc.entitlements.sign(
        caller,
        agreement_id=body.agreement_id,
        entitlement_codes=[code.value for code in body.entitlement_codes],
        account_ids=body.account_ids,
    )
    return ok(request, [wire.grant(g) for g in grants])


@router.delete(
    "/entitlements/{entitlement_id}",
    summary="Revoke one grant (deprecated in 0.11: opt out)",
    **documented(types.EntitlementDeleteEntitlementResponse, 404, 409),
)
async def delete_entitlement(
    request: Request, caller: Caller, entitlement_id: EntitlementId
) -> JSON:
    svc = services(request)
    revoked = await svc.entitlements.revoke(caller, entitlement_id)
    return ok(request, wire.revoked(revoked))


@router.get(
    "/entitlement-status",
    summary="Whether each entitlement is on, per account",
    **documented(types.EntitlementGetEntitlementStatusResponse, 403),
)
async def get_entitlement_status(
    request: Request, caller: Caller, account_id: OptionalAccountId = None
) -> JSON:
    svc = services(request)
    found = await svc.entitlements.status(caller, account_id)
    return ok(request, [wire.entitlement_status(s) for s in found])


@router.post(
    "/entitlements/opt-out",
    **documented(types.EntitlementOptOutEntitlementsResponse, 403, 422),
    summary="Turn entitlements off for accounts (idempotent)",
    openapi_extra=body_schema(OptOutEntitlementsRequest),
)
async def opt_out_entitlements(
    request: Request,
    caller: Caller,
    body: Annotated[OptOutEntitlementsRequest, Depends(json_body(OptOutEntitlementsRequest))],
) -> JSON:
    svc = services(request)
    found = await svc.entitlements.opt_out(
        caller,
        account_ids=body.account_ids,
        entitlement_codes=[code.value for code in body.entitlement_codes],
    )
    return ok(request, [wire.entitlement_status(s) for s in found])
