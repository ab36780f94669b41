"""How uvicorn serves the app: the limits it enforces on connections, and no banner.

- The request head (request line and headers) is bounded by ``OMNI_MAX_HEADER_BYTES``. h11
  enforces ``h11_max_incomplete_event_size`` itself; the faster httptools parser has no such
  bound, so :class:`BoundedHttpToolsProtocol` counts the head's bytes as they are parsed and
  refuses the request (400, connection closed) once they pass the limit.
- Idle keep-alive connections are closed after ``OMNI_KEEP_ALIVE_SECONDS``.
- A slow body is bounded by the app (``api/limits.py``). A client that trickles its head
  stays bounded in size only: uvicorn has no head timeout, so put a reverse proxy with one
  in front of a server open to untrusted networks (README, "Running in production").
- No ``server`` header.
"""

from __future__ import annotations

from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from omni_server.settings import Settings

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - httptools comes with uvicorn[standard]
    HttpToolsProtocol = None  # type: ignore[assignment,misc]


class HeadTooLarge(Exception):
    """Raised inside the parser's callback; httptools turns it into a parse error (400)."""


if HttpToolsProtocol is not None:

    class BoundedHttpToolsProtocol(HttpToolsProtocol):
        """httptools' protocol with a bound on the size of each request head."""

        _head_bytes = 0

        def on_message_begin(self) -> None:
            self._head_bytes = 0
            super().on_message_begin()

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
