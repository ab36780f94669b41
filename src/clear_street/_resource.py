"""Base classes of the resource objects reached from a client (``client.v1.omni_ai...``)."""

from __future__ import annotations

from clear_street._transport import AsyncTransport, SyncTransport


class SyncResource:
    """A group of endpoints sharing the client's transport."""

    def __init__(self, transport: SyncTransport) -> None:
        self._transport = transport


class AsyncResource:
    """The async twin of :class:`SyncResource`."""

    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport
