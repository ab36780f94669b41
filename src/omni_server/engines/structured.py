"""Structured content in the contract's wire shapes: actions, charts and buttons.

A ``structured_action`` part is only ever built for a capability the turn declared (the
callers check :func:`allowed`); buttons refer to actions of the same message by id. Ids are
UUIDv5 names under the response id, so the same turn always produces the same ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from typing import Any, Final

from omni_server.domain.entitlements import ACCOUNT_DATA, ACCOUNT_DATA_AGREEMENT
from omni_server.domain.models import Part
from omni_server.engines.orders import OrderTicket

PREFILL_ORDER: Final = "PREFILL_ORDER"
OPEN_CHART: Final = "OPEN_CHART"
OPEN_SCREENER: Final = "OPEN_SCREENER"
OPEN_ENTITLEMENT_CONSENT: Final = "OPEN_ENTITLEMENT_CONSENT"

ACTION_OF: Final = {
    PREFILL_ORDER: "prefill_order",
    OPEN_CHART: "open_chart",
    OPEN_SCREENER: "open_screener",
    OPEN_ENTITLEMENT_CONSENT: "open_entitlement_consent",
}
"""Capability -> the key of the ``StructuredAction`` it allows."""

CONSENT_REASON: Final = "Portfolio analysis requires Omni consent to access account data."

Button = dict[str, Any]


def allowed(capabilities: Collection[str], capability: str) -> bool:
    """Whether the turn declared ``capability`` (the only gate for structured actions)."""
    return capability in capabilities


class Ids:
    """Deterministic ids for one response's parts: ``uuid5(response_id, name)``."""

    def __init__(self, response_id: uuid.UUID) -> None:
        self._namespace = response_id

    def __call__(self, name: str) -> str:
        return str(uuid.uuid5(self._namespace, name))


def _action(ids: Ids, name: str, key: str, body: dict[str, Any]) -> Part:
    return {
        "type": "structured_action",
        "action_id": ids(f"action:{name}"),
        "clicked": False,
        "item_id": ids(f"item:{name}"),
        "action": {key: body},
    }


def prefill_order(ids: Ids, orders: Sequence[OrderTicket]) -> Part:
    """``prefill_order`` with ``action_type: NEW``: a ticket the user reviews, never sent."""
    wire_orders = [o.as_wire(ids(f"item:order:{i}")) for i, o in enumerate(orders)]
    body = {"action_type": "NEW", "orders": wire_orders}
    return _action(ids, "prefill_order", ACTION_OF[PREFILL_ORDER], body)


def open_chart(ids: Ids, symbol: str, timeframe: str) -> Part:
    body = {"symbol": symbol, "timeframe": timeframe, "item_id": ids(f"item:open_chart:{symbol}")}
    return _action(ids, f"open_chart:{symbol}", ACTION_OF[OPEN_CHART], body)


def entitlement_consent(ids: Ids, account_id: int) -> Part:
    body = {
        "account_ids": [account_id],
        "agreement_key": ACCOUNT_DATA_AGREEMENT,
        "entitlement_codes": [ACCOUNT_DATA],
        "reason": CONSENT_REASON,
        "item_id": ids("item:open_entitlement_consent"),
    }
    return _action(ids, "open_entitlement_consent", ACTION_OF[OPEN_ENTITLEMENT_CONSENT], body)


def button(
    ids: Ids, name: str, label: str, *, prompt: str | None = None, action: Part | None = None
) -> Button:
    """An ``ActionButton``: a follow-up ``prompt``, or a click on ``action`` (same message)."""
    made: Button = {"buttonId": f"btn_{name}", "label": label, "itemId": ids(f"button:{name}")}
    if prompt is not None:
        made["prompt"] = {"prompt": prompt}
    if action is not None:
        made["structuredAction"] = {"actionId": action["action_id"]}
    return made


def chart(
    ids: Ids,
    name: str,
    series: Sequence[tuple[str, Sequence[tuple[str, float]]]],
    buttons: Sequence[Button] = (),
) -> Part:
    """A ``chart`` part drawing ``series`` (name, [(x, y)...]) with its buttons."""
    payload: dict[str, Any] = {
        "chartId": f"chart_{name}",
        "clicked": False,
        "itemId": ids(f"chart:{name}"),
        "dataChart": {
            "series": [
                {"name": label, "points": [{"x": x, "y": y} for x, y in points]}
                for label, points in series
            ]
        },
    }
    if buttons:
        payload["actionButtons"] = list(buttons)
    return {"type": "chart", "payload": payload}


def suggested_actions(buttons: Sequence[Button]) -> Part:
    return {"type": "suggested_actions", "payload": {"actionButtons": list(buttons)}}


def action_keys(parts: Sequence[Part]) -> set[str]:
    """The ``StructuredAction`` keys present in ``parts`` (what the capability rule checks)."""
    return {key for p in parts if p.get("type") == "structured_action" for key in p["action"]}


def open_screener(ids: Ids, body: dict[str, Any]) -> Part:
    """``open_screener`` with the given filters (and optional columns, sort, page size)."""
    made = {**body, "item_id": ids("item:open_screener")}
    return _action(ids, "open_screener", ACTION_OF[OPEN_SCREENER], made)
