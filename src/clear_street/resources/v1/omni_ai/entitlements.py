"""Entitlements: the consent that lets the assistant read an account's data.

Accounts are entitled by default; ``opt_out_entitlements`` turns them off and signing the
agreement again (``create_entitlements``) turns them back on. ``get_entitlements`` and
``delete_entitlement`` are the older, grant-based view, kept for compatibility.
"""

from __future__ import annotations

from collections.abc import Iterable

from clear_street._request import RequestOptions
from clear_street._resource import AsyncResource, SyncResource
from clear_street._types import NOT_GIVEN, Body, Headers, NotGiven, Query, Timeout
from clear_street.resources.v1.omni_ai import _endpoints as ep
from clear_street.types.endpoint_responses import (
    EntitlementCreateEntitlementsResponse,
    EntitlementDeleteEntitlementResponse,
    EntitlementGetEntitlementAgreementsResponse,
    EntitlementGetEntitlementsResponse,
    EntitlementGetEntitlementStatusResponse,
    EntitlementOptOutEntitlementsResponse,
)
from clear_street.types.entitlement import EntitlementCode


class Entitlements(SyncResource):
    """``/v1/omni-ai/entitlement*`` endpoints."""

    def get_entitlement_agreements(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> EntitlementGetEntitlementAgreementsResponse:
        """The agreements a user can sign, for a consent screen."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        return self._transport.execute(ep.get_entitlement_agreements(options=options))

    def get_entitlements(
        self,
        *,
        account_id: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> EntitlementGetEntitlementsResponse:
        """Explicit active grants (deprecated upstream: prefer ``get_entitlement_status``)."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        return self._transport.execute(ep.get_entitlements(account_id=account_id, options=options))

    def create_entitlements(
        self,
        *,
        account_ids: Iterable[int],
        agreement_id: str,
        entitlement_codes: Iterable[EntitlementCode],
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> EntitlementCreateEntitlementsResponse:
        """Record consent for the accounts; repeating it does not duplicate grants."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.create_entitlements(
            account_ids=account_ids,
            agreement_id=agreement_id,
            entitlement_codes=entitlement_codes,
            options=options,
        )
        return self._transport.execute(spec)

    def delete_entitlement(
        self,
        entitlement_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> EntitlementDeleteEntitlementResponse:
        """Revoke a grant; ``ConflictError`` if it is already inactive."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        return self._transport.execute(ep.delete_entitlement(entitlement_id, options=options))

    def get_entitlement_status(
        self,
        *,
        account_id: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> EntitlementGetEntitlementStatusResponse:
        """Whether each account (or just ``account_id``) has the entitlement on."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.get_entitlement_status(account_id=account_id, options=options)
        return self._transport.execute(spec)

    def opt_out_entitlements(
        self,
        *,
        account_ids: Iterable[int],
        entitlement_codes: Iterable[EntitlementCode],
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> EntitlementOptOutEntitlementsResponse:
        """Turn the entitlements off for the accounts; idempotent."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.opt_out_entitlements(
            account_ids=account_ids, entitlement_codes=entitlement_codes, options=options
        )
        return self._transport.execute(spec)


class AsyncEntitlements(AsyncResource):
    """``/v1/omni-ai/entitlement*`` endpoints, async; see :class:`Entitlements`."""

    async def get_entitlement_agreements(
        self,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> EntitlementGetEntitlementAgreementsResponse:
        """The agreements a user can sign, for a consent screen."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        return await self._transport.execute(ep.get_entitlement_agreements(options=options))

    async def get_entitlements(
        self,
        *,
        account_id: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> EntitlementGetEntitlementsResponse:
        """Explicit active grants (deprecated upstream: prefer ``get_entitlement_status``)."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.get_entitlements(account_id=account_id, options=options)
        return await self._transport.execute(spec)

    async def create_entitlements(
        self,
        *,
        account_ids: Iterable[int],
        agreement_id: str,
        entitlement_codes: Iterable[EntitlementCode],
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> EntitlementCreateEntitlementsResponse:
        """Record consent for the accounts; repeating it does not duplicate grants."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.create_entitlements(
            account_ids=account_ids,
            agreement_id=agreement_id,
            entitlement_codes=entitlement_codes,
            options=options,
        )
        return await self._transport.execute(spec)

    async def delete_entitlement(
        self,
        entitlement_id: str,
        *,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> EntitlementDeleteEntitlementResponse:
        """Revoke a grant; ``ConflictError`` if it is already inactive."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.delete_entitlement(entitlement_id, options=options)
        return await self._transport.execute(spec)

    async def get_entitlement_status(
        self,
        *,
        account_id: int | NotGiven = NOT_GIVEN,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> EntitlementGetEntitlementStatusResponse:
        """Whether each account (or just ``account_id``) has the entitlement on."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.get_entitlement_status(account_id=account_id, options=options)
        return await self._transport.execute(spec)

    async def opt_out_entitlements(
        self,
        *,
        account_ids: Iterable[int],
        entitlement_codes: Iterable[EntitlementCode],
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Body | None = None,
        timeout: Timeout | NotGiven = NOT_GIVEN,
    ) -> EntitlementOptOutEntitlementsResponse:
        """Turn the entitlements off for the accounts; idempotent."""
        options = RequestOptions(extra_headers, extra_query, extra_body, timeout)
        spec = ep.opt_out_entitlements(
            account_ids=account_ids, entitlement_codes=entitlement_codes, options=options
        )
        return await self._transport.execute(spec)
