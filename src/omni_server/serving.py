"""How uvicorn serves the app: the limits it enforces on connections, and no banner.

- The request head (request line and headers) is bounded by ``OMNI_MAX_HEADER_BYTES``. h11
  enforces ``h11_max_incomplete_event_size`` itself; the faster httptools parser has no such
  bound, so :class:`BoundedHttpToolsProtocol` counts the head's bytes as they are parsed and
  refuses the request (400, connection closed) once they pass the limit.
- Idle keep-alive connections are closed after ``OMNI_KEEP_ALIVE_SECONDS``.
- A slow head is bounded in time: a connection that has not sent a complete request head
  within ``OMNI_HEADER_TIMEOUT`` seconds of connecting (or of starting its next request) is
  closed, so idle or trickling clients cannot hold connections open. uvicorn has no such
  timer; :class:`BoundedHttpToolsProtocol` keeps one per connection.
- A slow body is bounded by the app (``api/limits.py``).
- No ``server`` header.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from omni_server.settings import Settings

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - httptools comes with uvicorn[standard]
    HttpToolsProtocol = None  # type: ignore[assignment,misc]


HEADER_TIMEOUT_VARIABLE = "OMNI_HEADER_TIMEOUT"
_header_timeout: float | None = None


def header_timeout() -> float:
    """Seconds a client may take to send a request head.

    Set by :func:`uvicorn_config` in the serving process; a ``--workers`` child process
    imports this module afresh and reads the ``OMNI_*`` environment its parent wrote.
    """
    if _header_timeout is not None:
        return _header_timeout
    return float(os.environ.get(HEADER_TIMEOUT_VARIABLE, "10"))


class HeadTooLarge(Exception):
    """Raised inside the parser's callback; httptools turns it into a parse error (400)."""


if HttpToolsProtocol is not None:

    class BoundedHttpToolsProtocol(HttpToolsProtocol):
        """httptools' protocol with a bound on the size of each request head."""

        _head_bytes = 0
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm_head_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm_head_timer()
            super().connection_lost(exc)

        def on_message_begin(self) -> None:
            self._head_bytes = 0
            if self._head_timer is None:  # the next request on a kept-alive connection
                self._arm_head_timer()
            super().on_message_begin()

        def on_headers_complete(self) -> None:
            self._disarm_head_timer()
            super().on_headers_complete()

        def _arm_head_timer(self) -> None:
            self._head_timer = self.loop.call_later(header_timeout(), self._head_too_slow)

        def _disarm_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_too_slow(self) -> None:
            self._head_timer = None
            if not self.transport.is_closing():
                self.transport.close()

        def on_url(self, url: bytes) -> None:
            self._count(len(url))
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._count(len(name) + len(value) + 4)
            super().on_header(name, value)

        def _count(self, size: int) -> None:
            self._head_bytes += size
            if self._head_bytes > (self.config.h11_max_incomplete_event_size or 16 * 1024):
                raise HeadTooLarge()


def uvicorn_config(
    app: Any, settings: Settings, *, log_config: dict[str, Any] | None = None, **extra: Any
) -> uvicorn.Config:
    """The uvicorn configuration ``omni serve`` runs with (tests use it too)."""
    global _header_timeout
    _header_timeout = settings.header_timeout
    return uvicorn.Config(
        app,
        log_config=LOGGING_CONFIG if log_config is None else log_config,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,
        server_header=False,
        http=BoundedHttpToolsProtocol if HttpToolsProtocol is not None else "h11",
        h11_max_incomplete_event_size=settings.max_header_bytes,
        timeout_keep_alive=max(1, round(settings.keep_alive_seconds)),
        timeout_graceful_shutdown=settings.http_grace,
        **extra,
    )
