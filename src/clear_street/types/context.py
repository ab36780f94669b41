"""Client snapshots attached to a user turn (widget data the user was looking at).

The models describe what the API returns on ``Message.context``; the ``...Param`` typed dicts
describe what a caller may send. Context is informative only: it never grants the assistant
access to an account.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NotRequired, TypedDict

from pydantic import Field

from clear_street.types._base import Timestamp, WireModel


class ContextItem(WireModel):
    """One snapshot: free-form data plus how to label and classify it."""

    data: dict[str, Any] = Field(
        description="Snapshot data; strings are preferred for exact decimals and large ids."
    )
    kind: str = Field(description="Free-form, non-blank category of the snapshot.")
    label: str = Field(description="Non-blank label shown with the attachment.")
    captured_at: Timestamp | None = Field(
        default=None, description="When the client captured it, if known."
    )


class TurnContext(WireModel):
    """One to four snapshots attached to a single user message."""

    items: list[ContextItem] = Field(description="The snapshots, in the order given.")


class ContextItemParam(TypedDict):
    """A snapshot to send; see :class:`ContextItem`."""

    data: dict[str, Any]
    kind: str
    label: str
    captured_at: NotRequired[datetime | str]


class TurnContextParam(TypedDict):
    """Snapshots to send with a turn (1 to 4 items, at most 64 KiB as compact JSON)."""

    items: list[ContextItemParam]
