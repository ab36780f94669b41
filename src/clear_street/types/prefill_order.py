"""Order tickets the assistant can prefill for the user to review.

Nothing here places an order: the user confirms in their own interface, which may then call
the orders API. ``action_type`` tells a new order, a cancellation and a modification apart.
Enumerations accept both the current spellings and the older ones (``AT_THE_OPENING``,
``SELL_SHORT``...) so payloads produced by either API generation parse.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from clear_street.types._base import Timestamp, WireModel

OrderType = Literal["MARKET", "LIMIT", "STOP", "STOP_LIMIT", "TRAILING_STOP", "TRAILING_STOP_LIMIT"]
Side = Literal["BUY", "SELL", "SELL_SHORT", "OTHER"]
TimeInForce = Literal[
    "DAY",
    "GOOD_TILL_CANCEL",
    "IMMEDIATE_OR_CANCEL",
    "FILL_OR_KILL",
    "GOOD_TILL_DATE",
    "AT_OPEN",
    "AT_CLOSE",
    "AT_THE_OPENING",
    "AT_THE_CLOSE",
]
TrailingOffsetType = Literal["PRICE", "BPS"]
PositionIntent = Literal["OPEN", "CLOSE"]

_OFFSET = "PRICE (an amount) or BPS (basis points)."
_ITEM_ID = "Interaction-tracking id; absent on content created before tracking."


class SmartOrderRouting(WireModel):
    """Route to the best venues (the default strategy)."""

    type: Literal["SOR"] = "SOR"


class ScheduledExecution(WireModel):
    """Work the order over a window, tracking VWAP or spreading it evenly (TWAP)."""

    type: Literal["VWAP", "TWAP"]
    start_at: Timestamp | None = Field(default=None, description="Start of the window.")
    end_at: Timestamp | None = Field(default=None, description="End of the window.")


class DirectMarketAccess(WireModel):
    """Send the order straight to the named venue."""

    type: Literal["DMA"] = "DMA"
    destination: str = Field(description="Venue code.")


OrderStrategy = Annotated[
    SmartOrderRouting | ScheduledExecution | DirectMarketAccess, Field(discriminator="type")
]


class PrefillNewOrderRequest(WireModel):
    """A new order, in the shape the orders API accepts."""

    order_type: OrderType = Field(description="Market, limit, stop...")
    quantity: str = Field(description="Decimal string: shares, or contracts for options.")
    side: Side = Field(description="Buy or sell.")
    time_in_force: TimeInForce = Field(description="How long the order stays working.")
    id: str | None = Field(default=None, description="Client order id, unique per account.")
    symbol: str | None = Field(default=None, description="Ticker or OSI option symbol.")
    instrument_id: str | None = Field(default=None, description="Instrument UUID or symbol.")
    limit_price: str | None = Field(default=None, description="Decimal string.")
    stop_price: str | None = Field(default=None, description="Decimal string.")
    limit_offset: str | None = Field(default=None, description="Signed, trailing stop-limit.")
    trailing_offset: str | None = Field(default=None, description="For trailing orders.")
    trailing_offset_type: TrailingOffsetType | None = Field(default=None, description=_OFFSET)
    expires_at: Timestamp | None = Field(default=None, description="For GOOD_TILL_DATE.")
    extended_hours: bool | None = Field(default=None, description="Allow outside RTH.")
    position_intent: PositionIntent | None = Field(default=None, description="Open or close.")
    strategy: OrderStrategy | None = Field(default=None, description="Execution strategy.")
    item_id: str | None = Field(default=None, description=_ITEM_ID)


class PrefillCancelOrderRequest(WireModel):
    """An existing order to cancel."""

    account_id: int = Field(description="Account that owns the order.")
    order_id: str = Field(description="Order to cancel.")
    item_id: str | None = Field(default=None, description=_ITEM_ID)


class PrefillModifyOrderRequest(WireModel):
    """An existing order and the changes to make to it (at least one)."""

    account_id: int | None = Field(default=None, description="Account that owns the order.")
    order_id: str | None = Field(default=None, description="Order to modify.")
    quantity: str | None = Field(default=None, description="New quantity.")
    limit_price: str | None = Field(default=None, description="New limit price.")
    stop_price: str | None = Field(default=None, description="New stop price.")
    limit_offset: str | None = Field(default=None, description="New limit offset.")
    trailing_offset: str | None = Field(default=None, description="New trailing offset.")
    trailing_offset_type: TrailingOffsetType | None = Field(default=None, description=_OFFSET)
    item_id: str | None = Field(default=None, description=_ITEM_ID)


class PrefillNewOrderAction(WireModel):
    """Prefill one or more new orders."""

    action_type: Literal["NEW"] = "NEW"
    orders: list[PrefillNewOrderRequest] = Field(description="Orders to prefill.")


class PrefillCancelOrderAction(WireModel):
    """Prefill the cancellation of one or more orders."""

    action_type: Literal["CANCEL"] = "CANCEL"
    orders: list[PrefillCancelOrderRequest] = Field(description="Orders to cancel.")


class PrefillModifyOrderAction(WireModel):
    """Prefill changes to one or more orders."""

    action_type: Literal["MODIFY"] = "MODIFY"
    orders: list[PrefillModifyOrderRequest] = Field(description="Orders to modify.")


PrefillOrderAction = Annotated[
    PrefillNewOrderAction | PrefillCancelOrderAction | PrefillModifyOrderAction,
    Field(discriminator="action_type"),
]
