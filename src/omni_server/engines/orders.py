"""Reading orders out of plain text, for prefilled order tickets. Nothing is ever executed.

Understood: ``buy 10 AAPL at 190 limit``, ``sell 5 MSFT at market``, ``buy 100 shares of
TSLA limit $250.50 gtc``, ``sell 20 NVDA stop 110``, ``sell 20 NVDA stop 110 limit 109``,
``buy 3 SPY at the open``; several orders in one sentence (``buy 10 AAPL and sell 5 MSFT``).
Without a price the order is ``MARKET``; without a time in force it is ``DAY``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from omni_server.engines.market import link

MAX_ORDERS = 10

_ORDER = re.compile(
    r"\b(?P<side>buy|sell)\s+(?P<qty>\d[\d,]*(?:\.\d+)?)\s+(?:shares?\s+(?:of\s+)?)?"
    r"\$?(?!(?:shares?|of|at|stock|units?)\b)(?P<symbol>[A-Za-z]{1,5}(?:\.[A-Za-z])?)\b",
    re.IGNORECASE,
)
_PRICE = r"\$?(?P<price>\d[\d,]*(?:\.\d+)?)"
_STOP = re.compile(r"\bstop(?:[- ]loss)?(?:\s+price)?(?:\s+(?:at|of|@))?\s*" + _PRICE, re.I)
_LIMIT = re.compile(
    r"(?:\blimit(?:\s+price)?(?:\s+(?:at|of|@))?\s*|(?:\bat|@)\s*)" + _PRICE, re.IGNORECASE
)
_SENTENCE_END = re.compile(r"[.?!;](?:\s|$)|\n")
_TIME_IN_FORCE = (
    ("GOOD_TILL_CANCEL", re.compile(r"\b(gtc|good[- ]till?[- ]cancel(?:l?ed)?)\b", re.I)),
    ("IMMEDIATE_OR_CANCEL", re.compile(r"\b(ioc|immediate[- ]or[- ]cancel)\b", re.I)),
    ("FILL_OR_KILL", re.compile(r"\b(fok|fill[- ]or[- ]kill)\b", re.I)),
    ("AT_OPEN", re.compile(r"\b((?:at|on) (?:the )?open(?:ing)?|moo)\b", re.I)),
    ("AT_CLOSE", re.compile(r"\b((?:at|on) (?:the )?close|moc)\b", re.I)),
)
_EXTENDED = re.compile(r"\b(extended[- ]hours|after[- ]hours|pre[- ]market)\b", re.I)
_TIF_WORDS = {
    "DAY": "good for the day",
    "GOOD_TILL_CANCEL": "good till canceled",
    "IMMEDIATE_OR_CANCEL": "immediate or cancel",
    "FILL_OR_KILL": "fill or kill",
    "AT_OPEN": "at the open",
    "AT_CLOSE": "at the close",
}


@dataclass(frozen=True, slots=True)
class OrderTicket:
    """One order as understood from the text (the fields of ``PrefillNewOrderRequest``)."""

    side: str
    quantity: str
    symbol: str
    order_type: str = "MARKET"
    time_in_force: str = "DAY"
    limit_price: str | None = None
    stop_price: str | None = None
    extended_hours: bool = False

    def as_wire(self, item_id: str) -> dict[str, Any]:
        order: dict[str, Any] = {
            "order_type": self.order_type,
            "quantity": self.quantity,
            "side": self.side,
            "time_in_force": self.time_in_force,
            "symbol": self.symbol,
        }
        if self.limit_price is not None:
            order["limit_price"] = self.limit_price
        if self.stop_price is not None:
            order["stop_price"] = self.stop_price
        if self.extended_hours:
            order["extended_hours"] = True
        order["item_id"] = item_id
        return order

    def describe(self) -> str:
        """``Buy 10 [AAPL](ticker:AAPL), limit $190, good for the day``."""
        verb = "Buy" if self.side == "BUY" else "Sell"
        prices = {
            "MARKET": "at market",
            "LIMIT": f"limit ${self.limit_price}",
            "STOP": f"stop ${self.stop_price}",
            "STOP_LIMIT": f"stop ${self.stop_price}, limit ${self.limit_price}",
        }
        text = f"{verb} {self.quantity} {link(self.symbol)}, {prices[self.order_type]}, "
        text += _TIF_WORDS[self.time_in_force]
        return text + (", extended hours" if self.extended_hours else "")


def decimal_text(raw: str) -> str | None:
    """A positive decimal as the API writes it (``"1,250.50"`` -> ``"1250.50"``), or ``None``."""
    cleaned = raw.replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return cleaned if value > 0 else None


def parse_orders(text: str) -> list[OrderTicket]:
    """Every order the text asks for, in order of appearance (at most ``MAX_ORDERS``)."""
    matches = list(_ORDER.finditer(text))[:MAX_ORDERS]
    orders: list[OrderTicket] = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        rest = text[match.end() : end]
        stop = _SENTENCE_END.search(_mask_decimals(rest))
        order = _ticket(match, rest[: stop.start()] if stop else rest)
        if order is not None:
            orders.append(order)
    return orders


def _mask_decimals(text: str) -> str:
    """``text`` with the dot of each decimal number hidden, so it does not end a sentence."""
    return re.sub(r"(?<=\d)\.(?=\d)", "_", text)


def _ticket(match: re.Match[str], rest: str) -> OrderTicket | None:
    quantity = decimal_text(match.group("qty"))
    if quantity is None:
        return None
    stop_match = _STOP.search(rest)
    stop_price = decimal_text(stop_match.group("price")) if stop_match else None
    if stop_match:  # "stop at 150" must not also read as a limit "at 150"
        rest = rest[: stop_match.start()] + " " + rest[stop_match.end() :]
    limit_match = _LIMIT.search(rest)
    limit_price = decimal_text(limit_match.group("price")) if limit_match else None
    order_type = {
        (False, False): "MARKET",
        (False, True): "LIMIT",
        (True, False): "STOP",
        (True, True): "STOP_LIMIT",
    }[(stop_price is not None, limit_price is not None)]
    time_in_force = next((tif for tif, p in _TIME_IN_FORCE if p.search(rest)), "DAY")
    return OrderTicket(
        side=match.group("side").upper(),
        quantity=quantity,
        symbol=match.group("symbol").upper(),
        order_type=order_type,
        time_in_force=time_in_force,
        limit_price=limit_price,
        stop_price=stop_price,
        extended_hours=_EXTENDED.search(rest) is not None,
    )
