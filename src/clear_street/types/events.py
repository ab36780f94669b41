"""Events of a watched response, as ``responses.stream`` yields them.

They mirror the server's event stream (an extension of this implementation); against a server
without it, the client derives the very same events from successive snapshots.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from clear_street.types._base import WireModel
from clear_street.types.content_parts import ResponseContentPart
from clear_street.types.response import Response, ResponseStatus


class SnapshotEvent(WireModel):
    """The response as it was when watching started."""

    event: Literal["snapshot"] = "snapshot"
    id: str | None = Field(default=None, description="Event id (resume after it).")
    response: Response


class StatusEvent(WireModel):
    """The response's status changed."""

    event: Literal["status"] = "status"
    id: str | None = None
    status: ResponseStatus


class DeltaEvent(WireModel):
    """Text appended to a text part, or one thought added to a thinking part.

    ``part_index`` may be one past the last part: the delta then starts a new part.
    """

    event: Literal["delta"] = "delta"
    id: str | None = None
    part_index: int
    type: Literal["text", "thinking"]
    text: str


class PartEvent(WireModel):
    """A whole part (chart, suggested actions, structured action...) at ``part_index``."""

    event: Literal["part"] = "part"
    id: str | None = None
    part_index: int
    part: ResponseContentPart


class DoneEvent(WireModel):
    """The response ended; ``response`` is final and its content authoritative."""

    event: Literal["done"] = "done"
    id: str | None = None
    response: Response


ResponseEvent = SnapshotEvent | StatusEvent | DeltaEvent | PartEvent | DoneEvent
