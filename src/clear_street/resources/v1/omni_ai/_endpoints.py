"""How each Omni AI call looks on the wire: method, path, parameters, answer model.

Sync and async resources call these builders and hand the result to their transport, so
each endpoint is described exactly once. ``account_id`` travels in the query string on GET
and DELETE and in the JSON body on POST, as the API expects. Creating a thread or a message
carries an ``Idempotency-Key`` so that a retried create never starts a second turn.
"""

from __future__ import annotations

from collections.abc import Iterable

from clear_street._request import RequestOptions, RequestSpec, build, path_with
from clear_street._types import NotGiven
from clear_street.types.context import TurnContext, TurnContextParam
from clear_street.types.endpoint_responses import (
    EntitlementCreateEntitlementsResponse,
    EntitlementDeleteEntitlementResponse,
    EntitlementGetEntitlementAgreementsResponse,
    EntitlementGetEntitlementsResponse,
    EntitlementGetEntitlementStatusResponse,
    EntitlementOptOutEntitlementsResponse,
    MessageGetMessageByIDResponse,
    MessageSubmitFeedbackResponse,
    ResponseCancelResponseResponse,
    ResponseGetResponseByIDResponse,
    ThreadCreateMessageResponse,
    ThreadCreateThreadResponse,
    ThreadGetMessagesResponse,
    ThreadGetThreadByIDResponse,
    ThreadGetThreadResponseResponse,
    ThreadGetThreadsResponse,
)
from clear_street.types.entitlement import EntitlementCode
from clear_street.types.turn import (
    Capability,
    ConversationMode,
    DeepInsightsTarget,
    DeepInsightsTargetParam,
)

ContextArg = TurnContextParam | TurnContext | None | NotGiven
TargetArg = DeepInsightsTargetParam | DeepInsightsTarget | None | NotGiven
CapabilitiesArg = Iterable[Capability] | NotGiven


def _listed(values: Iterable[Capability] | NotGiven) -> list[Capability] | NotGiven:
    return values if isinstance(values, NotGiven) else list(values)


# Threads


def create_thread(
    *,
    type: ConversationMode,
    account_id: int,
    capabilities: CapabilitiesArg,
    context: ContextArg,
    target: TargetArg,
    text: str | NotGiven | None,
    thesis: str | NotGiven | None,
    options: RequestOptions,
) -> RequestSpec[ThreadCreateThreadResponse]:
    body = {
        "type": type,
        "account_id": account_id,
        "capabilities": _listed(capabilities),
        "context": context,
        "target": target,
        "text": text,
        "thesis": thesis,
    }
    return build(
        "POST",
        "/v1/omni-ai/threads",
        ThreadCreateThreadResponse,
        body=body,
        options=options,
        idempotent=True,
    )


def create_message(
    thread_id: str,
    *,
    text: str,
    account_id: int,
    capabilities: CapabilitiesArg,
    context: ContextArg,
    options: RequestOptions,
) -> RequestSpec[ThreadCreateMessageResponse]:
    path = path_with("/v1/omni-ai/threads/{thread_id}/messages", thread_id=thread_id)
    body = {
        "text": text,
        "account_id": account_id,
        "capabilities": _listed(capabilities),
        "context": context,
    }
    return build(
        "POST", path, ThreadCreateMessageResponse, body=body, options=options, idempotent=True
    )


def get_threads(
    *,
    account_id: int,
    page_size: int | NotGiven,
    page_token: str | NotGiven,
    options: RequestOptions,
) -> RequestSpec[ThreadGetThreadsResponse]:
    query = {"account_id": account_id, "page_size": page_size, "page_token": page_token}
    return build(
        "GET", "/v1/omni-ai/threads", ThreadGetThreadsResponse, query=query, options=options
    )


def get_thread_by_id(
    thread_id: str, *, account_id: int, options: RequestOptions
) -> RequestSpec[ThreadGetThreadByIDResponse]:
    path = path_with("/v1/omni-ai/threads/{thread_id}", thread_id=thread_id)
    query = {"account_id": account_id}
    return build("GET", path, ThreadGetThreadByIDResponse, query=query, options=options)


def get_thread_response(
    thread_id: str, *, account_id: int, options: RequestOptions
) -> RequestSpec[ThreadGetThreadResponseResponse]:
    path = path_with("/v1/omni-ai/threads/{thread_id}/response", thread_id=thread_id)
    query = {"account_id": account_id}
    return build("GET", path, ThreadGetThreadResponseResponse, query=query, options=options)


def get_messages(
    thread_id: str,
    *,
    account_id: int,
    page_size: int | NotGiven,
    page_token: str | NotGiven,
    options: RequestOptions,
) -> RequestSpec[ThreadGetMessagesResponse]:
    path = path_with("/v1/omni-ai/threads/{thread_id}/messages", thread_id=thread_id)
    query = {"account_id": account_id, "page_size": page_size, "page_token": page_token}
    return build("GET", path, ThreadGetMessagesResponse, query=query, options=options)


# Messages


def get_message_by_id(
    message_id: str, *, account_id: int, options: RequestOptions
) -> RequestSpec[MessageGetMessageByIDResponse]:
    path = path_with("/v1/omni-ai/messages/{message_id}", message_id=message_id)
    query = {"account_id": account_id}
    return build("GET", path, MessageGetMessageByIDResponse, query=query, options=options)


def submit_feedback(
    message_id: str,
    *,
    score: int,
    account_id: int,
    comment: str | NotGiven,
    metadata: object | NotGiven,
    options: RequestOptions,
) -> RequestSpec[MessageSubmitFeedbackResponse]:
    path = path_with("/v1/omni-ai/messages/{message_id}/feedback", message_id=message_id)
    body = {"score": score, "account_id": account_id, "comment": comment, "metadata": metadata}
    return build("POST", path, MessageSubmitFeedbackResponse, body=body, options=options)


# Responses


def get_response_by_id(
    response_id: str, *, account_id: int, options: RequestOptions
) -> RequestSpec[ResponseGetResponseByIDResponse]:
    path = path_with("/v1/omni-ai/responses/{response_id}", response_id=response_id)
    query = {"account_id": account_id}
    return build("GET", path, ResponseGetResponseByIDResponse, query=query, options=options)


def cancel_response(
    response_id: str, *, account_id: int, options: RequestOptions
) -> RequestSpec[ResponseCancelResponseResponse]:
    path = path_with("/v1/omni-ai/responses/{response_id}", response_id=response_id)
    query = {"account_id": account_id}
    return build("DELETE", path, ResponseCancelResponseResponse, query=query, options=options)


# Entitlements


def get_entitlement_agreements(
    *, options: RequestOptions
) -> RequestSpec[EntitlementGetEntitlementAgreementsResponse]:
    return build(
        "GET",
        "/v1/omni-ai/entitlement-agreements",
        EntitlementGetEntitlementAgreementsResponse,
        options=options,
    )


def get_entitlements(
    *, account_id: int | NotGiven, options: RequestOptions
) -> RequestSpec[EntitlementGetEntitlementsResponse]:
    query = {"account_id": account_id}
    return build(
        "GET",
        "/v1/omni-ai/entitlements",
        EntitlementGetEntitlementsResponse,
        query=query,
        options=options,
    )


def create_entitlements(
    *,
    account_ids: Iterable[int],
    agreement_id: str,
    entitlement_codes: Iterable[EntitlementCode],
    options: RequestOptions,
) -> RequestSpec[EntitlementCreateEntitlementsResponse]:
    body = {
        "account_ids": list(account_ids),
        "agreement_id": agreement_id,
        "entitlement_codes": list(entitlement_codes),
    }
    return build(
        "POST",
        "/v1/omni-ai/entitlements",
        EntitlementCreateEntitlementsResponse,
        body=body,
        options=options,
    )


def delete_entitlement(
    entitlement_id: str, *, options: RequestOptions
) -> RequestSpec[EntitlementDeleteEntitlementResponse]:
    path = path_with("/v1/omni-ai/entitlements/{entitlement_id}", entitlement_id=entitlement_id)
    return build("DELETE", path, EntitlementDeleteEntitlementResponse, options=options)


def get_entitlement_status(
    *, account_id: int | NotGiven, options: RequestOptions
) -> RequestSpec[EntitlementGetEntitlementStatusResponse]:
    query = {"account_id": account_id}
    return build(
        "GET",
        "/v1/omni-ai/entitlement-status",
        EntitlementGetEntitlementStatusResponse,
        query=query,
        options=options,
    )


def opt_out_entitlements(
    *,
    account_ids: Iterable[int],
    entitlement_codes: Iterable[EntitlementCode],
    options: RequestOptions,
) -> RequestSpec[EntitlementOptOutEntitlementsResponse]:
    body = {"account_ids": list(account_ids), "entitlement_codes": list(entitlement_codes)}
    return build(
        "POST",
        "/v1/omni-ai/entitlements/opt-out",
        EntitlementOptOutEntitlementsResponse,
        body=body,
        options=options,
    )
