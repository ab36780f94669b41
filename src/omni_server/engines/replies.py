"""What the built-in engine answers: a pure function from a turn to a :class:`Reply`.

Three kinds of instant question are told apart, in this order: orders (``buy 10 AAPL at
190``), portfolio questions (positions, balances...), and everything else (quotes of the
tickers named). Each may add structured content, but only what the turn's capabilities
allow; without a capability the text says what the client could not be given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from omni_server.domain.models import Part, Turn
from omni_server.engines import portfolio, structured
from omni_server.engines.market import (
    anchor_day,
    link,
    price_series,
    quote,
    tickers_in,
    timeframe_in,
)
from omni_server.engines.orders import OrderTicket, parse_orders
from omni_server.engines.structured import (
    OPEN_CHART,
    OPEN_ENTITLEMENT_CONSENT,
    PREFILL_ORDER,
    Button,
    Ids,
    allowed,
)

MAX_CHART_SERIES = 3
MAX_LISTED_SYMBOLS = 10
"""A thought names at most this many symbols (a prompt may name thousands)."""
SIMULATED = (
    "These prices are simulated by the built-in engine: it has no market data, so do not "
    "trade on them."
)


@dataclass
class Reply:
    """An answer before it is streamed: thoughts, then text, then parts, then buttons."""

    thoughts: list[str]
    text: str
    parts: list[Part] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)

    def suggested(self) -> Part | None:
        return structured.suggested_actions(self.buttons) if self.buttons else None


def instant_reply(turn: Turn, prompt: str) -> Reply:
    """The answer to an instant question (``prompt`` is the text without directives)."""
    orders = parse_orders(prompt)
    if orders:
        return order_reply(turn, orders)
    if portfolio.asks_about_portfolio(prompt):
        return portfolio_reply(turn)
    return market_reply(turn, prompt)


# -- orders ----------------------------------------------------------------------------------


def order_reply(turn: Turn, orders: Sequence[OrderTicket]) -> Reply:
    ids = Ids(turn.response_id)
    listed = "\n".join(f"- {order.describe()}" for order in orders)
    quotes = " ".join(_quote_line(s) for s in dict.fromkeys(o.symbol for o in orders))
    thoughts = ["Reading the question...", "Reading the order details..."]
    if not allowed(turn.request.capabilities, PREFILL_ORDER):
        text = (
            f"Here is the order as I understood it:\n\n{listed}\n\n{quotes}\n\n"
            "This app cannot receive a prefilled order ticket, so nothing was prepared and "
            "nothing was sent. Enter the order on your trading screen if you want to place it."
        )
        return Reply(thoughts, text)
    action = structured.prefill_order(ids, orders)
    noun = "an order ticket" if len(orders) == 1 else "order tickets"
    text = (
        f"I prepared {noun} for you to review:\n\n{listed}\n\n{quotes}\n\n"
        "This is only a prefill: nothing has been sent. Review the ticket, change it if "
        "needed, and confirm it yourself to place the order."
    )
    button = structured.button(ids, "review_order", "Review order", action=action)
    return Reply(thoughts, text, [action], [button])


def _quote_line(symbol: str) -> str:
    price, change = quote(symbol)
    direction = "up" if change >= 0 else "down"
    return (
        f"{link(symbol)}: simulated price ${price:,.2f}, {direction} {abs(change):.2f}% "
        "(not a real quote)."
    )


# -- portfolio -------------------------------------------------------------------------------


def portfolio_reply(turn: Turn) -> Reply:
    ids = Ids(turn.response_id)
    account = turn.account_id
    thoughts = ["Reading the question...", f"Checking access to the data of account {account}..."]
    if not turn.account_data_enabled:
        if allowed(turn.request.capabilities, OPEN_ENTITLEMENT_CONSENT):
            action = structured.entitlement_consent(ids, account)
            text = (
                f"To answer questions about your portfolio I need your permission to read the "
                f"data of account {account}, and that access is turned off. I opened the "
                "consent request: accept the account data agreement, then ask me again."
            )
            button = structured.button(ids, "grant_access", "Allow account data", action=action)
            return Reply(thoughts, text, [action], [button])
        text = (
            f"I cannot look at your portfolio: access to the data of account {account} is "
            "turned off. Turn it on by accepting the account data agreement (for example "
            "with POST /v1/omni-ai/entitlements), then ask me again."
        )
        return Reply(thoughts, text)
    items = portfolio.context_items(turn.request.context)
    holdings = portfolio.from_context(items) or portfolio.made_up(account)
    thoughts.append("Reading positions and balances...")
    follow = structured.button(
        ids, "followup_0", "Compare with SPY", prompt="How did my portfolio do against SPY?"
    )
    return Reply(thoughts, portfolio.describe(account, holdings), [], [follow])


# -- quotes and charts -----------------------------------------------------------------------


def market_reply(turn: Turn, prompt: str) -> Reply:
    ids = Ids(turn.response_id)
    items = portfolio.context_items(turn.request.context)
    symbols = tickers_in(prompt) or symbols_in_context(items)
    thoughts = ["Reading the question..."]
    if symbols:
        thoughts.append(f"Making up simulated market data for {listed_symbols(symbols)}...")
    text = quotes_text(symbols) + context_note(items)
    parts: list[Part] = []
    if symbols and allowed(turn.request.capabilities, OPEN_CHART):
        parts = chart_parts(turn, symbols, timeframe_in(prompt))
    return Reply(thoughts, text, parts, [follow_up(ids, symbols)])


def listed_symbols(symbols: Sequence[str]) -> str:
    """``AAPL, MSFT`` or, past :data:`MAX_LISTED_SYMBOLS`, ``AAPL, ... and 42 more``."""
    shown = ", ".join(symbols[:MAX_LISTED_SYMBOLS])
    hidden = len(symbols) - MAX_LISTED_SYMBOLS
    return f"{shown} and {hidden} more" if hidden > 0 else shown


def quotes_text(symbols: Sequence[str]) -> str:
    if not symbols:
        return (
            "I am the built-in engine: I have no market data, and the prices I show are "
            "simulated. Ask me about a ticker such as AAPL, or about your portfolio."
        )
    lines = " ".join(_quote_line(symbol) for symbol in symbols[:5])
    return f"{lines}\n\n{SIMULATED}"


def chart_parts(turn: Turn, symbols: Sequence[str], timeframe: str) -> list[Part]:
    """A ``chart`` of the first symbols and an ``open_chart`` action for the first one.

    Only called when the turn declared ``OPEN_CHART``.
    """
    ids = Ids(turn.response_id)
    end = anchor_day(turn.response_id)
    shown = list(symbols[:MAX_CHART_SERIES])
    action = structured.open_chart(ids, shown[0], timeframe)
    open_button = structured.button(
        ids, f"open_chart_{shown[0]}", f"Open {shown[0]} chart", action=action
    )
    series = [(symbol, price_series(symbol, timeframe, end)) for symbol in shown]
    name = "_".join(s.lower() for s in shown) + f"_{timeframe.lower()}"
    return [structured.chart(ids, name, series, [open_button]), action]


def follow_up(ids: Ids, symbols: Sequence[str]) -> Button:
    if symbols:
        return structured.button(
            ids,
            "followup_0",
            f"Compare {symbols[0]} with SPY",
            prompt=f"How has {symbols[0]} done against SPY this year?",
        )
    return structured.button(
        ids, "followup_0", "Check my positions", prompt="What are my current positions?"
    )


# -- context snapshots -----------------------------------------------------------------------


def symbols_in_context(items: Sequence[Mapping[str, Any]]) -> list[str]:
    """Tickers named by snapshots (``data.symbol`` / ``data.ticker``), for prompts naming none."""
    found: dict[str, None] = {}  # ordered and linear: a snapshot may name many symbols
    for item in items:
        data = item.get("data")
        if not isinstance(data, Mapping):
            continue
        for key in ("symbol", "ticker"):
            value = data.get(key)
            if isinstance(value, str):
                found.update(dict.fromkeys(tickers_in(value.upper())))
    return list(found)


def context_note(items: Sequence[Mapping[str, Any]]) -> str:
    """A sentence naming the snapshots the answer took into account (empty without any)."""
    names = [f"**{item.get('label')}** ({item.get('kind')})" for item in items]
    if not names:
        return ""
    return "\n\nI took into account what you attached: " + ", ".join(names) + "."
