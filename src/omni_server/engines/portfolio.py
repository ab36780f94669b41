"""Portfolio questions: positions read from context snapshots, or a made-up stable portfolio.

The built-in engine has no brokerage behind it. When the client attached a snapshot holding
positions (``{"positions": [{"symbol": "AAPL", "quantity": "10"}, ...]}``) the answer is
built from it; otherwise each account gets a made-up portfolio derived from its id.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from omni_server.engines.market import link, money, quote

_PORTFOLIO = re.compile(
    r"\b(portfolio|positions?|holdings?|balances?|buying power|cash balance|my accounts?|"
    r"p&l|pnl|exposure|allocation)\b",
    re.IGNORECASE,
)
_UNIVERSE = ("AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "META", "TSLA", "JPM", "V", "SPY")
_SYMBOL_KEYS = ("symbol", "ticker", "instrument")
_QUANTITY_KEYS = ("quantity", "qty", "shares", "position")
_BALANCE_KEYS = ("cash", "buying_power", "equity", "total_value", "net_liquidation")


@dataclass(frozen=True, slots=True)
class Position:
    symbol: str
    quantity: Decimal

    @property
    def value(self) -> float:
        return float(self.quantity) * quote(self.symbol)[0]


@dataclass(frozen=True, slots=True)
class Holdings:
    """Positions and balances, and where they came from (a snapshot label, or ``None``)."""

    positions: tuple[Position, ...]
    balances: tuple[tuple[str, str], ...]
    source: str | None


def asks_about_portfolio(text: str) -> bool:
    """Whether the prompt is about the user's own account (positions, balances...)."""
    return _PORTFOLIO.search(text) is not None


def context_items(context: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    """The snapshot items of a turn's context, tolerating any shape."""
    items = (context or {}).get("items")
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, Mapping)]


def _first(data: Mapping[str, Any], keys: Sequence[str]) -> Any:
    return next((data[k] for k in keys if k in data), None)


def _position(entry: Any) -> Position | None:
    if not isinstance(entry, Mapping):
        return None
    symbol, quantity = _first(entry, _SYMBOL_KEYS), _first(entry, _QUANTITY_KEYS)
    if not isinstance(symbol, str) or not re.fullmatch(r"[A-Za-z.]{1,10}", symbol):
        return None
    if isinstance(quantity, bool) or not isinstance(quantity, int | float | str):
        return None
    try:
        amount = Decimal(str(quantity).replace(",", ""))
    except InvalidOperation:
        return None
    return Position(symbol.upper(), amount) if amount.is_finite() else None


def _balances(data: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    source = data.get("balances")
    source = source if isinstance(source, Mapping) else data
    return tuple(
        (key, str(source[key]))
        for key in _BALANCE_KEYS
        if isinstance(source.get(key), int | float | str) and not isinstance(source[key], bool)
    )


def from_context(items: Sequence[Mapping[str, Any]]) -> Holdings | None:
    """Positions and balances from the first snapshot that has any."""
    for item in items:
        data = item.get("data")
        if not isinstance(data, Mapping):
            continue
        entries = _first(data, ("positions", "holdings"))
        found = [_position(e) for e in entries] if isinstance(entries, list) else []
        positions = tuple(p for p in found if p is not None)
        balances = _balances(data)
        if positions or balances:
            return Holdings(positions, balances, str(item.get("label") or "snapshot"))
    return None


def made_up(account_id: int) -> Holdings:
    """A stable invented portfolio for an account: four positions and some cash."""
    digest = hashlib.sha256(f"portfolio:{account_id}".encode()).digest()
    start = digest[0] % len(_UNIVERSE)
    symbols = [_UNIVERSE[(start + 3 * i) % len(_UNIVERSE)] for i in range(4)]
    positions = tuple(
        Position(symbol, Decimal(5 + digest[1 + i] % 196)) for i, symbol in enumerate(symbols)
    )
    cash = 1000 + int.from_bytes(digest[8:10], "big") % 49000
    return Holdings(positions, (("cash", f"{cash}.00"),), None)


def describe(account_id: int, holdings: Holdings) -> str:
    """The answer text about ``holdings``."""
    if holdings.source is None:
        lines = [
            f"Here is account {account_id} (the built-in engine has no brokerage, so these "
            "positions are made up, though stable):"
        ]
    else:
        lines = [f"From the snapshot you attached (**{holdings.source}**):"]
    for position in holdings.positions:
        price = quote(position.symbol)[0]
        lines.append(
            f"- {position.quantity} {link(position.symbol)} at {money(price)} (simulated): "
            f"{money(position.value)}"
        )
    if holdings.positions:
        total = sum(p.value for p in holdings.positions)
        lines.append(f"\nPositions are worth {money(total)} in total.")
    for name, value in holdings.balances:
        lines.append(f"{name.replace('_', ' ').capitalize()}: {value}.")
    return "\n".join(lines)
