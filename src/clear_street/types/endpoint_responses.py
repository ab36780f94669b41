"""The envelope each endpoint answers with, one named class per endpoint.

The names follow the official ``clearstreet`` SDK (``<Resource><Method>Response``), so code
written against it keeps its type names, and the resource prefix keeps them apart from the
payload names (``CreateThreadResponse`` is the payload of ``ThreadCreateThreadResponse``).
"""

from __future__ import annotations

from clear_street.types.entitlement import (
    DeleteEntitlementResponse,
    EntitlementAgreementResource,
    EntitlementResource,
    EntitlementStatusResource,
)
from clear_street.types.envelope import Envelope, ListEnvelope
from clear_street.types.feedback import CreateFeedbackResponse
from clear_street.types.message import Message
from clear_street.types.response import CancelResponsePayload, Response
from clear_street.types.thread import Thread
from clear_street.types.turn import CreateMessageResponse, CreateThreadResponse


class ThreadCreateThreadResponse(Envelope[CreateThreadResponse]):
    """Answer of ``POST /v1/omni-ai/threads``."""


class ThreadCreateMessageResponse(Envelope[CreateMessageResponse]):
    """Answer of ``POST /v1/omni-ai/threads/{thread_id}/messages``."""


class ThreadGetThreadsResponse(ListEnvelope[Thread]):
    """Answer of ``GET /v1/omni-ai/threads``: most recently active first."""


class ThreadGetThreadByIDResponse(Envelope[Thread]):
    """Answer of ``GET /v1/omni-ai/threads/{thread_id}``."""


class ThreadGetMessagesResponse(ListEnvelope[Message]):
    """Answer of ``GET /v1/omni-ai/threads/{thread_id}/messages``: oldest first in a page."""


class ThreadGetThreadResponseResponse(Envelope[Response | None]):
    """Answer of ``GET /v1/omni-ai/threads/{thread_id}/response``: ``None`` when idle."""


class MessageGetMessageByIDResponse(Envelope[Message]):
    """Answer of ``GET /v1/omni-ai/messages/{message_id}``."""


class MessageSubmitFeedbackResponse(Envelope[CreateFeedbackResponse]):
    """Answer of ``POST /v1/omni-ai/messages/{message_id}/feedback``."""


class ResponseGetResponseByIDResponse(Envelope[Response]):
    """Answer of ``GET /v1/omni-ai/responses/{response_id}``."""


class ResponseCancelResponseResponse(Envelope[CancelResponsePayload]):
    """Answer of ``DELETE /v1/omni-ai/responses/{response_id}``."""


class EntitlementGetEntitlementAgreementsResponse(ListEnvelope[EntitlementAgreementResource]):
    """Answer of ``GET /v1/omni-ai/entitlement-agreements``."""


class EntitlementGetEntitlementsResponse(ListEnvelope[EntitlementResource]):
    """Answer of ``GET /v1/omni-ai/entitlements``."""


class EntitlementCreateEntitlementsResponse(ListEnvelope[EntitlementResource]):
    """Answer of ``POST /v1/omni-ai/entitlements``: the active grants in scope."""


class EntitlementDeleteEntitlementResponse(Envelope[DeleteEntitlementResponse]):
    """Answer of ``DELETE /v1/omni-ai/entitlements/{entitlement_id}``."""


class EntitlementGetEntitlementStatusResponse(ListEnvelope[EntitlementStatusResource]):
    """Answer of ``GET /v1/omni-ai/entitlement-status``."""


class EntitlementOptOutEntitlementsResponse(ListEnvelope[EntitlementStatusResource]):
    """Answer of ``POST /v1/omni-ai/entitlements/opt-out``."""
