"""Strict models of assistant content: the parts, the structured actions, charts and buttons.

Parts travel as JSON-shaped dicts from the engine to the wire (``domain/models.py``); these
models only describe them, for the OpenAPI document and for tests that check what engines
emit. They are strict where the client's models (``clear_street.types``) are lenient: unknown
keys are refused, and a field is nullable only where the contract says it can be null.
Fields the contract marks optional may be absent; payload keys keep the API's camelCase.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

ITEM_ID = "Interaction-tracking id; absent on content created before tracking."
EntitlementCode = Literal["omni.account_data"]
AgreementKey = Literal["omni_account_data_access"]


def _absent_is_not_null(schema: dict[str, Any]) -> None:
    """Drop the ``default: null`` of fields that may be absent but never null."""
    for prop in schema.get("properties", {}).values():
        if "default" in prop and prop["default"] is None and not _allows_null(prop):
            del prop["default"]


def _allows_null(prop: dict[str, Any]) -> bool:
    return prop.get("type") == "null" or any(
        option.get("type") == "null" for option in prop.get("anyOf", ())
    )


class Strict(BaseModel):
    """Base of every server-side wire model: unknown keys refused, no coercion."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        populate_by_name=True,
        json_schema_extra=_absent_is_not_null,
    )


def optional(*, description: str, alias: str | None = None) -> Any:
    """A field that may be absent from the JSON but is never ``null`` when present."""
    return Field(default=None, description=description, alias=alias)


# -- orders -------------------------------------------------------------------------------

OrderType = Literal["MARKET", "LIMIT", "STOP", "STOP_LIMIT", "TRAILING_STOP", "TRAILING_STOP_LIMIT"]
TimeInForce = Literal[
    "DAY",
    "GOOD_TILL_CANCEL",
    "IMMEDIATE_OR_CANCEL",
    "FILL_OR_KILL",
    "GOOD_TILL_DATE",
    "AT_OPEN",
    "AT_CLOSE",
]
OffsetType = Literal["PRICE", "BPS"]
Decimal = Annotated[str, Field(pattern=r"^-?\d+(\.\d+)?$")]


class SmartOrderRouting(Strict):
    type: Literal["SOR"] = Field(description="Route to the best venues.")


class ScheduledExecution(Strict):
    type: Literal["VWAP", "TWAP"] = Field(description="Work the order over a window.")
    start_at: str | None = Field(default=None, description="Start of the window (RFC 3339).")
    end_at: str | None = Field(default=None, description="End of the window (RFC 3339).")


class DirectMarketAccess(Strict):
    type: Literal["DMA"] = Field(description="Send the order straight to a venue.")
    destination: str = Field(description="Venue code.")


OrderStrategy = Annotated[
    SmartOrderRouting | ScheduledExecution | DirectMarketAccess, Field(discriminator="type")
]


class PrefillNewOrder(Strict):
    """A new order for the user to review; nothing is ever sent by the server."""

    order_type: OrderType = Field(description="Market, limit, stop...")
    quantity: Decimal = Field(description="Decimal string: shares, or contracts for options.")
    side: Literal["BUY", "SELL"] = Field(description="Buy or sell.")
    time_in_force: TimeInForce = Field(description="How long the order stays working.")
    id: str = optional(description="Client order id, unique per account.")
    symbol: str = optional(description="Ticker or OSI option symbol.")
    instrument_id: str = optional(description="Instrument UUID or symbol.")
    limit_price: Decimal = optional(description="Limit price.")
    stop_price: Decimal = optional(description="Stop price.")
    limit_offset: Decimal = optional(description="Signed, trailing stop-limit.")
    trailing_offset: Decimal = optional(description="For trailing orders.")
    trailing_offset_type: OffsetType = optional(description="PRICE or BPS.")
    expires_at: str = optional(description="For GOOD_TILL_DATE (RFC 3339).")
    extended_hours: bool = optional(description="Allow outside regular hours.")
    position_intent: Literal["OPEN", "CLOSE"] = optional(description="Intent.")
    strategy: OrderStrategy = optional(description="Execution strategy.")
    item_id: str = optional(description=ITEM_ID)


class PrefillCancelOrder(Strict):
    account_id: int = Field(description="Account that owns the order.")
    order_id: str = Field(description="Order to cancel.")
    item_id: str = optional(description=ITEM_ID)


class PrefillModifyOrder(Strict):
    account_id: int = Field(description="Account that owns the order.")
    order_id: str = Field(description="Order to modify.")
    quantity: Decimal = optional(description="New quantity.")
    limit_price: Decimal = optional(description="New limit price.")
    stop_price: Decimal = optional(description="New stop price.")
    limit_offset: Decimal = optional(description="New limit offset.")
    trailing_offset: Decimal = optional(description="New trailing offset.")
    trailing_offset_type: OffsetType = optional(description="PRICE or BPS.")
    item_id: str = optional(description=ITEM_ID)


class PrefillNew(Strict):
    action_type: Literal["NEW"] = Field(description="New orders.")
    orders: list[PrefillNewOrder] = Field(description="Orders to prefill.")


class PrefillCancel(Strict):
    action_type: Literal["CANCEL"] = Field(description="Cancellations.")
    orders: list[PrefillCancelOrder] = Field(description="Orders to cancel.")


class PrefillModify(Strict):
    action_type: Literal["MODIFY"] = Field(description="Modifications.")
    orders: list[PrefillModifyOrder] = Field(description="Orders to modify.")


PrefillOrderAction = Annotated[
    PrefillNew | PrefillCancel | PrefillModify, Field(discriminator="action_type")
]


# -- structured actions -------------------------------------------------------------------


class OpenChartAction(Strict):
    symbol: str = Field(description="Symbol to chart.")
    timeframe: str | None = Field(default=None, description="For example 1D, 1W, 1M, 1Y.")
    extras: dict[str, Any] = optional(description="Indicators, overlays.")
    item_id: str = optional(description=ITEM_ID)


class ScreenerFilter(Strict):
    field: str = Field(description="Field to filter on, e.g. `market_cap`.")
    operator: str = Field(description="Comparison such as `eq`, `gte`, `lte`, `in`.")
    value: Any = Field(description="The value to compare with.")


class OpenScreenerAction(Strict):
    filters: list[ScreenerFilter] = Field(description="Criteria, all of which apply.")
    columns: list[str] | None = Field(default=None, description="Columns to show.")
    page_size: int | None = Field(default=None, description="Rows per page.")
    sort_by: str | None = Field(default=None, description="Field to sort rows by.")
    sort_direction: Literal["ASC", "DESC"] | None = Field(default=None, description="Order.")
    item_id: str = optional(description=ITEM_ID)


class OpenEntitlementConsentAction(Strict):
    account_ids: list[int] = Field(description="Accounts the consent is asked for.")
    agreement_key: AgreementKey = Field(description="Agreement family to sign.")
    entitlement_codes: list[EntitlementCode] = Field(description="Entitlements requested.")
    reason: str = Field(description="Why the assistant needs the access.")
    item_id: str = optional(description=ITEM_ID)


class PrefillOrder(Strict):
    prefill_order: PrefillOrderAction = Field(description="Orders to prefill.")


class OpenChart(Strict):
    open_chart: OpenChartAction = Field(description="The chart to open.")


class OpenScreener(Strict):
    open_screener: OpenScreenerAction = Field(description="The screener to open.")


class OpenEntitlementConsent(Strict):
    open_entitlement_consent: OpenEntitlementConsentAction = Field(
        description="The consent to ask for."
    )


StructuredAction = PrefillOrder | OpenChart | OpenScreener | OpenEntitlementConsent
"""Externally tagged: an object with exactly one key naming the action's kind."""


# -- charts and buttons -------------------------------------------------------------------


class PromptButtonAction(Strict):
    prompt: str = Field(description="Prompt to submit as the next user turn.")


class StructuredActionButtonAction(Strict):
    action_id: uuid.UUID | None = Field(
        default=None, alias="actionId", description="`action_id` of a part of the same message."
    )


class ActionButton(Strict):
    button_id: str = Field(alias="buttonId", description="Stable id within the content part.")
    label: str = Field(description="User-visible label.")
    prompt: PromptButtonAction | None = Field(default=None, description="Follow-up prompt.")
    structured_action: StructuredActionButtonAction | None = Field(
        default=None, alias="structuredAction", description="Structured action to run."
    )
    item_id: str = optional(alias="itemId", description=ITEM_ID)


class ChartPoint(Strict):
    x: str = Field(description="Category or time label.")
    y: float = Field(description="Value.")


class ChartSeries(Strict):
    name: str = Field(description="Series name shown in the legend.")
    points: list[ChartPoint] = optional(description="The points, in order.")


class DataChart(Strict):
    series: list[ChartSeries] = optional(description="The series to draw.")


class ChartPayload(Strict):
    chart_id: str = Field(alias="chartId", description="Stable id within the content part.")
    clicked: bool = Field(description="Whether the current user clicked the chart.")
    action_buttons: list[ActionButton] = optional(
        alias="actionButtons", description="Buttons shown with the chart."
    )
    data_chart: DataChart | None = Field(
        default=None, alias="dataChart", description="Series-driven chart definition."
    )
    item_id: str = optional(alias="itemId", description=ITEM_ID)


class SuggestedActionsPayload(Strict):
    action_buttons: list[ActionButton] = optional(
        alias="actionButtons", description="Buttons, in display order."
    )
    clicked_item_ids: list[str] = optional(
        alias="clickedItemIds", description="Buttons the user clicked."
    )


# -- parts --------------------------------------------------------------------------------


class TextPart(Strict):
    """Markdown; tickers appear as links such as ``[AAPL](ticker:AAPL)``."""

    type: Literal["text"]
    text: str = Field(description="Markdown text.")


class ThinkingPart(Strict):
    """Progress notes of a live turn; never kept in a finalized message."""

    type: Literal["thinking"]
    thoughts: list[str] = Field(description="Progress notes, oldest first.")


class StructuredActionPart(Strict):
    """An action the client may offer the user, such as a prefilled order ticket."""

    type: Literal["structured_action"]
    action_id: uuid.UUID = Field(description="Id that buttons use to refer to this action.")
    action: StructuredAction = Field(description="The action, keyed by its kind.")
    clicked: bool = Field(description="Whether the current user clicked it.")
    clicked_item_ids: list[str] = optional(description="Nested items the current user clicked.")
    item_id: str = optional(description=ITEM_ID)


class ChartPart(Strict):
    type: Literal["chart"]
    payload: ChartPayload = Field(description="The chart to draw.")


class SuggestedActionsPart(Strict):
    type: Literal["suggested_actions"]
    payload: SuggestedActionsPayload = Field(description="Follow-up buttons.")


class CustomPart(Strict):
    type: Literal["custom"]
    payload: Any = Field(description="Free-form JSON agreed between server and client.")


MessagePart = Annotated[
    TextPart | StructuredActionPart | ChartPart | SuggestedActionsPart | CustomPart,
    Field(discriminator="type"),
]
"""A part of a finalized message (never ``thinking``)."""

ResponsePart = Annotated[
    TextPart | ThinkingPart | StructuredActionPart | ChartPart | SuggestedActionsPart | CustomPart,
    Field(discriminator="type"),
]
"""A part of a live response (``thinking`` allowed)."""
