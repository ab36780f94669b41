"""An example site tool for the LLM engine: position sizing from a risk budget.

A real site would plug in market data or positions from its broker the same way: an object
with ``name``, ``description``, ``parameters`` (JSON Schema), ``capability`` (``None`` to be
always offered) and ``async run(arguments, context)``, registered under ``omni.tools``.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from omni_server.engines.llm.tools import ToolArgumentError, ToolContext, ToolResult


class PositionSizeTool:
    name = "position_size"
    description = (
        "How many shares to buy so that a stop-loss hit loses at most the given share of the "
        "account: equity * risk_fraction / (entry - stop), rounded down."
    )
    parameters: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "equity": {"type": "number", "description": "Account equity in dollars."},
            "risk_fraction": {"type": "number", "description": "0.01 risks 1% of equity."},
            "entry": {"type": "number"},
            "stop": {"type": "number", "description": "Stop-loss price, below the entry."},
        },
        "required": ["equity", "risk_fraction", "entry", "stop"],
    }
    capability = None

    async def run(self, arguments: dict[str, Any], context: ToolContext) -> ToolResult:
        try:
            equity, risk, entry, stop = (
                float(arguments[k]) for k in ("equity", "risk_fraction", "entry", "stop")
            )
        except (KeyError, TypeError, ValueError) as exc:
            message = f"equity, risk_fraction, entry and stop must be numbers ({exc})."
            raise ToolArgumentError(message) from None
        if not (equity > 0 and 0 < risk < 1 and entry > stop > 0):
            raise ToolArgumentError("Need equity > 0, 0 < risk_fraction < 1, entry > stop > 0.")
        shares = math.floor(equity * risk / (entry - stop))
        return ToolResult({"shares": shares, "max_loss": round(shares * (entry - stop), 2)})
