"""Server-Sent Events framing (the WHATWG ``text/event-stream`` format)."""

from __future__ import annotations

from typing import Any

import orjson

MEDIA_TYPE = "text/event-stream"

# Sent on an idle stream so that proxies and load balancers do not close it.
KEEPALIVE = b": keep-alive\n\n"


def event(kind: str, data: Any, event_id: str) -> bytes:
    """One event; the JSON data is a single line, so one ``data:`` field is enough."""
    return b"id: %s\nevent: %s\ndata: %s\n\n" % (
        event_id.encode(),
        kind.encode(),
        orjson.dumps(data),
    )


def comment(text: str) -> bytes:
    return b": " + text.replace("\n", " ").encode() + b"\n\n"
