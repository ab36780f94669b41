"""The poll's rendered answers (``api/polling.py``): served only for the object rendered."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime

import orjson

from omni_server.api import polling, wire
from omni_server.api.live import etag
from omni_server.domain.lifecycle import ResponseStatus
from omni_server.domain.models import Mode, Part, Response, TurnRequest


def response(status: ResponseStatus, text: str) -> Response:
    ids = [uuid.uuid4() for _ in range(4)]
    parts: tuple[Part, ...] = ({"type": "text", "text": text},)
    request = TurnRequest(Mode.INSTANT, "hi")
    return Response(ids[0], ids[1], 1, ids[2], ids[3], 2, status, parts, datetime.now(UTC), request)


def test_a_poll_answer_is_rendered_again_for_a_changed_row() -> None:
    """The memo serves an answer only for the very object it rendered: a row read afresh (a
    new object, even with the same id) is rendered from its own content."""
    first = response(ResponseStatus.RUNNING, "a")
    grown = dataclasses.replace(first, parts=({"type": "text", "text": "ab"},))
    for current in (first, grown, first):
        tag, body = polling.rendered(current)
        assert tag == etag(current)
        assert orjson.loads(orjson.dumps(body)) == wire.response(current)
    cached = polling.rendered(first)
    assert polling.rendered(first)[1] is cached[1]  # the same object: served from the memo
    assert polling.tag_of(first) == etag(first) and polling.tag_of(grown) == etag(grown)


def test_a_large_poll_answer_is_not_kept() -> None:
    large = response(ResponseStatus.SUCCEEDED, "x" * (polling.RENDERED_BYTES + 1))
    tag, body = polling.rendered(large)
    assert tag == etag(large) and orjson.loads(orjson.dumps(body)) == wire.response(large)
    assert polling.rendered(large)[1] is not body  # rendered afresh each time
