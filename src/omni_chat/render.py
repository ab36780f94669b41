"""How parts look in a terminal: text as it comes, thinking dimmed, structured parts readable.

Everything works on the wire form of parts (JSON-shaped dicts), so history and live events
render the same way.
"""

from __future__ import annotations

from typing import Any, TextIO

DIM = "\x1b[2m"
BOLD = "\x1b[1m"
RESET = "\x1b[0m"


class Screen:
    """Writes to a terminal; ``color`` off gives plain text (pipes, dumb terminals)."""

    def __init__(self, out: TextIO, *, color: bool) -> None:
        self._out = out
        self._color = color

    def write(self, text: str, style: str = "") -> None:
        if self._color and style:
            text = f"{style}{text}{RESET}"
        self._out.write(text)
        self._out.flush()

    def line(self, text: str = "", style: str = "") -> None:
        self.write(text, style)
        self.write("\n")

    def thought(self, text: str) -> None:
        self.line(f"  ~ {text}", DIM)

    def part(self, part: dict[str, Any]) -> None:
        """A whole part (not text or thinking) as a few readable lines."""
        kind = part.get("type")
        if kind == "chart":
            self._chart(part.get("payload") or {})
        elif kind == "suggested_actions":
            self._buttons(part.get("payload") or {})
        elif kind == "structured_action":
            self._action(part.get("action") or {})
        elif kind == "text":
            self.line(str(part.get("text", "")))
        elif kind == "thinking":
            for thought in part.get("thoughts", []):
                self.thought(str(thought))
        else:
            self.line(f"[{kind}]", DIM)

    def _chart(self, payload: dict[str, Any]) -> None:
        chart = payload.get("dataChart") or payload.get("data_chart") or {}
        self.line("[chart]", BOLD)
        for series in chart.get("series") or []:
            points = series.get("points") or []
            shown = ", ".join(f"{p['x']}: {p['y']:g}" for p in points[-6:])
            self.line(f"  {series.get('name', '')}: {shown}")
        self._buttons(payload)

    def _buttons(self, payload: dict[str, Any]) -> None:
        buttons = payload.get("actionButtons") or payload.get("action_buttons") or []
        for number, button in enumerate(buttons, start=1):
            self.line(f"  ({number}) {button.get('label', '')}", DIM)

    def _action(self, action: dict[str, Any]) -> None:
        for key, body in action.items():
            if key == "prefill_order":
                self.line("[order ticket - review only, nothing is placed]", BOLD)
                for order in body.get("orders", []):
                    fields = ("side", "quantity", "symbol", "order_type", "time_in_force")
                    extra = ("limit_price", "stop_price")
                    text = " ".join(str(order[f]) for f in fields if f in order)
                    text += "".join(f" {f}={order[f]}" for f in extra if f in order)
                    self.line(f"  {text}")
            else:
                self.line(f"[{key.replace('_', ' ')}]", BOLD)
