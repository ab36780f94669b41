"""Charts and buttons embedded in assistant content.

These payloads keep the API's camelCase keys on the wire (``chartId``, ``actionButtons``,
``buttonId``...) through aliases; in Python they read as snake_case attributes and can be
built by either name.
"""

from __future__ import annotations

from pydantic import Field

from clear_street.types._base import WireModel


class ChartPoint(WireModel):
    """One coordinate of a series."""

    x: str = Field(description="Category or time label.")
    y: float = Field(description="Value.")


class ChartSeries(WireModel):
    """A named series of points."""

    name: str = Field(description="Series name shown in the legend.")
    points: list[ChartPoint] | None = Field(default=None, description="The points, in order.")


class DataChart(WireModel):
    """A chart described by explicit data series."""

    series: list[ChartSeries] | None = Field(default=None, description="The series to draw.")


class PromptButtonAction(WireModel):
    """A button that submits a follow-up prompt as the next user turn."""

    prompt: str = Field(description="Prompt text to submit.")


class StructuredActionButtonAction(WireModel):
    """A button that runs a structured action found in the same message."""

    action_id: str | None = Field(
        default=None,
        alias="actionId",
        description="`action_id` of a `structured_action` part of the same message.",
    )


class ActionButton(WireModel):
    """A button offered with a chart or at the end of a message."""

    button_id: str = Field(alias="buttonId", description="Stable id within the content part.")
    label: str = Field(description="User-visible label.")
    prompt: PromptButtonAction | None = Field(
        default=None, description="Follow-up prompt to submit on click."
    )
    structured_action: StructuredActionButtonAction | None = Field(
        default=None, alias="structuredAction", description="Structured action to run on click."
    )
    item_id: str | None = Field(
        default=None, alias="itemId", description="Interaction-tracking id, when tracked."
    )


class ChartPayload(WireModel):
    """A chart rendered inline in assistant content."""

    chart_id: str = Field(alias="chartId", description="Stable id within the content part.")
    clicked: bool = Field(default=False, description="Whether the current user clicked it.")
    action_buttons: list[ActionButton] | None = Field(
        default=None, alias="actionButtons", description="Buttons shown with the chart."
    )
    data_chart: DataChart | None = Field(
        default=None, alias="dataChart", description="Series-driven chart definition."
    )
    item_id: str | None = Field(
        default=None, alias="itemId", description="Interaction-tracking id, when tracked."
    )


class SuggestedActionsPayload(WireModel):
    """Follow-up buttons rendered at the end of an assistant message."""

    action_buttons: list[ActionButton] | None = Field(
        default=None, alias="actionButtons", description="The buttons, in display order."
    )
    clicked_item_ids: list[str] | None = Field(
        default=None, alias="clickedItemIds", description="Buttons the current user clicked."
    )
