"""Version 1 of the API: ``client.v1``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from clear_street.resources.v1.omni_ai import AsyncOmniAI, OmniAI

if TYPE_CHECKING:
    from clear_street._transport import AsyncTransport, SyncTransport

__all__ = ["V1", "AsyncV1"]


class V1:
    """``client.v1``; only the Omni AI part of the API is covered by this package."""

    def __init__(self, transport: SyncTransport) -> None:
        self.omni_ai = OmniAI(transport)


class AsyncV1:
    """``client.v1`` of the async client."""

    def __init__(self, transport: AsyncTransport) -> None:
        self.omni_ai = AsyncOmniAI(transport)
