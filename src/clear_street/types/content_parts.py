"""The pieces assistant content is made of, told apart by their ``type``.

Responses (live turns) may hold every kind, including ``thinking``; finalized messages hold
every kind but ``thinking``. Payload fields sit beside ``type`` in each part.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from clear_street.types._base import WireModel
from clear_street.types.chart import ChartPayload, SuggestedActionsPayload
from clear_street.types.structured_action import StructuredAction


class ContentPartText(WireModel):
    """Markdown text; tickers appear as links such as ``[AAPL](ticker:AAPL)``."""

    type: Literal["text"] = "text"
    text: str = Field(description="Markdown text.")


class ContentPartThinking(WireModel):
    """Progress notes of a turn still being worked on; never kept in history."""

    type: Literal["thinking"] = "thinking"
    thoughts: list[str] = Field(description="Progress notes, oldest first.")


class ContentPartStructuredAction(WireModel):
    """An action the client may offer the user, such as a prefilled order."""

    type: Literal["structured_action"] = "structured_action"
    action_id: str = Field(description="Id that buttons use to refer to this action.")
    action: StructuredAction = Field(description="The action, keyed by its kind.")
    clicked: bool = Field(default=False, description="Whether the current user clicked it.")
    clicked_item_ids: list[str] | None = Field(
        default=None, description="Nested items the current user clicked."
    )
    item_id: str | None = Field(
        default=None, description="Interaction-tracking id; absent before tracking."
    )


class ContentPartChart(WireModel):
    """A chart shown inline."""

    type: Literal["chart"] = "chart"
    payload: ChartPayload = Field(description="The chart to draw.")


class ContentPartSuggestedActions(WireModel):
    """Follow-up buttons shown at the end of a message."""

    type: Literal["suggested_actions"] = "suggested_actions"
    payload: SuggestedActionsPayload = Field(description="The buttons to offer.")


class ContentPartCustom(WireModel):
    """Escape hatch for content no other kind describes."""

    type: Literal["custom"] = "custom"
    payload: Any = Field(description="Free-form JSON agreed between server and client.")


MessageContentPart = Annotated[
    ContentPartText
    | ContentPartStructuredAction
    | ContentPartChart
    | ContentPartSuggestedActions
    | ContentPartCustom,
    Field(discriminator="type"),
]
"""A part of a finalized message (no ``thinking``)."""

ResponseContentPart = Annotated[
    ContentPartText
    | ContentPartThinking
    | ContentPartStructuredAction
    | ContentPartChart
    | ContentPartSuggestedActions
    | ContentPartCustom,
    Field(discriminator="type"),
]
"""A part of a live response (``thinking`` allowed)."""
