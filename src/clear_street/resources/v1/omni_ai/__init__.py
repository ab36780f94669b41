"""The Omni AI resources: ``threads``, ``messages``, ``responses`` and ``entitlements``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clear_street.resources.v1.omni_ai.entitlements import AsyncEntitlements, Entitlements
from clear_street.resources.v1.omni_ai.messages import AsyncMessages, Messages
from clear_street.resources.v1.omni_ai.responses import AsyncResponses, Responses
from clear_street.resources.v1.omni_ai.threads import AsyncThreads, Threads

if TYPE_CHECKING:
    from clear_street._transport import AsyncTransport, SyncTransport

__all__ = [
    "AsyncEntitlements",
    "AsyncMessages",
    "AsyncOmniAI",
    "AsyncResponses",
    "AsyncThreads",
    "Entitlements",
    "Messages",
    "OmniAI",
    "Responses",
    "Threads",
]


class OmniAI:
    """``client.v1.omni_ai``: the four Omni AI resources."""

    def __init__(self, transport: SyncTransport) -> None:
        self.threads = Threads(transport)
        self.messages = Messages(transport)
        self.responses = Responses(transport)
        self.entitlements = Entitlements(transport)


class AsyncOmniAI:
    """``client.v1.omni_ai`` of the async client."""

    def __init__(self, transport: AsyncTransport) -> None:
        self.threads = AsyncThreads(transport)
        self.messages = AsyncMessages(transport)
        self.responses = AsyncResponses(transport)
        self.entitlements = AsyncEntitlements(transport)
