"""The tools every LLM turn may be offered: options analytics, snapshots, structured actions.

The structured-action tools build their parts with :mod:`omni_server.engines.structured`, so
a prefilled order, a chart, a screener or a consent request from the model has exactly the
shape the built-in engine gives it; each is offered only for its declared capability. The
chart tool opens the client's own chart instead of drawing made-up prices.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from omni_server.engines import structured
from omni_server.engines.llm.options_math import OptionInputs, analyze
from omni_server.engines.llm.tools import Tool, ToolArgumentError, ToolContext, ToolResult
from omni_server.engines.market import TIMEFRAMES
from omni_server.engines.orders import OrderTicket
from omni_server.engines.portfolio import context_items


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _ModelTool:
    """A tool whose arguments are a pydantic model: schema and validation from one class."""

    name: str = ""
    description: str = ""
    capability: str | None = None
    args: type[_Args] = _Args

    @property
    def parameters(self) -> dict[str, Any]:
        return self.args.model_json_schema()

    async def run(self, arguments: dict[str, Any], context: ToolContext) -> ToolResult:
        return self.handle(self.args.model_validate(arguments), context)

    def handle(self, args: Any, context: ToolContext) -> ToolResult:  # pragma: no cover
        raise NotImplementedError


# -- options analytics -----------------------------------------------------------------------


class OptionArgs(_Args):
    kind: Literal["call", "put"]
    spot: float = Field(gt=0, description="Price of the underlying.")
    strike: float = Field(gt=0)
    years: float = Field(gt=0, description="Time to expiry in years (days / 365).")
    volatility: float = Field(gt=0, description="Annual volatility, 0.25 for 25%.")
    rate: float = Field(0.0, description="Risk-free rate, continuously compounded, 0.05 for 5%.")
    dividend_yield: float = Field(0.0, description="Continuous dividend yield.")


class OptionsTool(_ModelTool):
    name = "options_analytics"
    description = (
        "Black-Scholes-Merton price, Greeks (delta, gamma, vega, theta per year, rho) and "
        "risk-neutral probability of finishing in the money of a European call or put."
    )
    args = OptionArgs

    def handle(self, args: OptionArgs, context: ToolContext) -> ToolResult:
        inputs = OptionInputs(
            args.spot, args.strike, args.years, args.volatility, args.rate, args.dividend_yield
        )
        return ToolResult(analyze(args.kind, inputs).as_dict())


# -- context snapshots -----------------------------------------------------------------------


class SnapshotArgs(_Args):
    label: str = Field(description="The label of one of the snapshots attached to the question.")


class SnapshotTool(_ModelTool):
    name = "read_context_snapshot"
    description = "Read one of the snapshots the user attached to this question, by its label."
    args = SnapshotArgs

    def handle(self, args: SnapshotArgs, context: ToolContext) -> ToolResult:
        items = context_items(context.turn.request.context)
        for item in items:
            if item.get("label") == args.label:
                return ToolResult({k: item.get(k) for k in ("kind", "label", "data")})
        labels = ", ".join(repr(i.get("label")) for i in items) or "none"
        raise ToolArgumentError(f"No snapshot is labelled {args.label!r}; labels: {labels}.")


# -- structured actions ----------------------------------------------------------------------


class OrderArgs(_Args):
    side: Literal["BUY", "SELL"]
    quantity: Decimal = Field(gt=0)
    symbol: str = Field(min_length=1, max_length=12)
    order_type: Literal["MARKET", "LIMIT", "STOP", "STOP_LIMIT"] = "MARKET"
    time_in_force: Literal[
        "DAY", "GOOD_TILL_CANCEL", "IMMEDIATE_OR_CANCEL", "FILL_OR_KILL", "AT_OPEN", "AT_CLOSE"
    ] = "DAY"
    limit_price: Decimal | None = Field(None, gt=0)
    stop_price: Decimal | None = Field(None, gt=0)
    extended_hours: bool = False

    @model_validator(mode="after")
    def _prices(self) -> OrderArgs:
        needs_limit = self.order_type in ("LIMIT", "STOP_LIMIT")
        needs_stop = self.order_type in ("STOP", "STOP_LIMIT")
        if needs_limit != (self.limit_price is not None):
            raise ValueError("limit_price is required exactly for LIMIT and STOP_LIMIT orders")
        if needs_stop != (self.stop_price is not None):
            raise ValueError("stop_price is required exactly for STOP and STOP_LIMIT orders")
        return self

    def ticket(self) -> OrderTicket:
        return OrderTicket(
            side=self.side,
            quantity=str(self.quantity),
            symbol=self.symbol.upper(),
            order_type=self.order_type,
            time_in_force=self.time_in_force,
            limit_price=None if self.limit_price is None else str(self.limit_price),
            stop_price=None if self.stop_price is None else str(self.stop_price),
            extended_hours=self.extended_hours,
        )


class PrefillArgs(_Args):
    orders: list[OrderArgs] = Field(min_length=1, max_length=10)


class PrefillOrderTool(_ModelTool):
    name = "prefill_order"
    description = (
        "Prefill order tickets for the user to review and confirm themselves. Nothing is sent "
        "or placed: the user decides."
    )
    capability: str | None = structured.PREFILL_ORDER
    args = PrefillArgs

    def handle(self, args: PrefillArgs, context: ToolContext) -> ToolResult:
        part = structured.prefill_order(context.ids, [o.ticket() for o in args.orders])
        return ToolResult({"prefilled": len(args.orders), "sent": False}, [part])


class ChartArgs(_Args):
    symbol: str = Field(min_length=1, max_length=12)
    timeframe: Literal["1D", "1W", "1M", "3M", "1Y", "5Y"] = "1M"

    @field_validator("symbol")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class ChartTool(_ModelTool):
    name = "open_chart"
    description = f"Open the app's price chart of a symbol; timeframes: {', '.join(TIMEFRAMES)}."
    capability: str | None = structured.OPEN_CHART
    args = ChartArgs

    def handle(self, args: ChartArgs, context: ToolContext) -> ToolResult:
        part = structured.open_chart(context.ids, args.symbol, args.timeframe)
        return ToolResult({"opened": args.symbol}, [part])


class ScreenerFilterArgs(_Args):
    field: str = Field(min_length=1, description="For example market_cap, sector, pe_ratio.")
    operator: Literal["eq", "neq", "gt", "gte", "lt", "lte", "in"]
    value: Any


class ScreenerArgs(_Args):
    filters: list[ScreenerFilterArgs] = Field(min_length=1, max_length=20)
    columns: list[str] | None = None
    sort_by: str | None = None
    sort_direction: Literal["ASC", "DESC"] | None = None
    page_size: int | None = Field(None, ge=1, le=500)


class ScreenerTool(_ModelTool):
    name = "open_screener"
    description = "Open the app's stock screener with filters, all of which apply."
    capability: str | None = structured.OPEN_SCREENER
    args = ScreenerArgs

    def handle(self, args: ScreenerArgs, context: ToolContext) -> ToolResult:
        body = args.model_dump(exclude_none=True)
        return ToolResult({"opened": "screener"}, [structured.open_screener(context.ids, body)])


class ConsentArgs(_Args):
    pass


class ConsentTool(_ModelTool):
    name = "request_account_data_consent"
    description = (
        "Ask the user to consent to Omni reading their account data, when access is off and "
        "the question needs it."
    )
    capability: str | None = structured.OPEN_ENTITLEMENT_CONSENT
    args = ConsentArgs

    def handle(self, args: ConsentArgs, context: ToolContext) -> ToolResult:
        part = structured.entitlement_consent(context.ids, context.turn.account_id)
        return ToolResult({"requested": True}, [part])


def builtin_tools() -> list[Tool]:
    return [
        OptionsTool(),
        SnapshotTool(),
        PrefillOrderTool(),
        ChartTool(),
        ScreenerTool(),
        ConsentTool(),
    ]
