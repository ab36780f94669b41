"""Reading orders out of text, and the prefilled tickets the built-in engine answers with."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from clearstreet.types.v1.omni_ai import MessageContentPart
from pydantic import TypeAdapter

from omni_server.domain.models import Mode, Turn, TurnRequest
from omni_server.engines.builtin import BuiltinEngine
from omni_server.engines.orders import OrderTicket, decimal_text, parse_orders
from tests.unit.test_builtin_engine import Collect

PARTS = TypeAdapter(list[MessageContentPart])
RESPONSE_ID = uuid.UUID("01965f0e-1f00-7000-8000-000000000001")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "buy 10 AAPL at 190 limit",
            OrderTicket("BUY", "10", "AAPL", "LIMIT", "DAY", limit_price="190"),
        ),
        ("sell 5 MSFT at market", OrderTicket("SELL", "5", "MSFT", "MARKET", "DAY")),
        ("Please buy 3 nvda", OrderTicket("BUY", "3", "NVDA")),
        (
            "buy 100 shares of TSLA limit $250.50 gtc",
            OrderTicket("BUY", "100", "TSLA", "LIMIT", "GOOD_TILL_CANCEL", limit_price="250.50"),
        ),
        (
            "sell 20 NVDA stop 110",
            OrderTicket("SELL", "20", "NVDA", "STOP", "DAY", stop_price="110"),
        ),
        (
            "sell 20 NVDA stop at 110 limit 109.5",
            OrderTicket(
                "SELL", "20", "NVDA", "STOP_LIMIT", "DAY", limit_price="109.5", stop_price="110"
            ),
        ),
        ("buy 3 SPY at the open", OrderTicket("BUY", "3", "SPY", "MARKET", "AT_OPEN")),
        ("sell 3 SPY on close", OrderTicket("SELL", "3", "SPY", "MARKET", "AT_CLOSE")),
        (
            "buy 1 QQQ @ 400 ioc",
            OrderTicket("BUY", "1", "QQQ", "LIMIT", "IMMEDIATE_OR_CANCEL", "400"),
        ),
        ("buy 1 QQQ fill or kill", OrderTicket("BUY", "1", "QQQ", "MARKET", "FILL_OR_KILL")),
        ("buy 1,000 F", OrderTicket("BUY", "1000", "F")),
        ("buy 0.5 BRK.B", OrderTicket("BUY", "0.5", "BRK.B")),
        (
            "buy 2 AMD limit 100 after hours",
            OrderTicket("BUY", "2", "AMD", "LIMIT", "DAY", "100", extended_hours=True),
        ),
    ],
)
def test_one_order(text: str, expected: OrderTicket) -> None:
    assert parse_orders(text) == [expected]


def test_several_orders_keep_their_own_details() -> None:
    orders = parse_orders("Buy 10 AAPL at 190 and sell 5 MSFT at market gtc")
    assert orders == [
        OrderTicket("BUY", "10", "AAPL", "LIMIT", "DAY", limit_price="190"),
        OrderTicket("SELL", "5", "MSFT", "MARKET", "GOOD_TILL_CANCEL"),
    ]


def test_details_stop_at_the_end_of_the_sentence() -> None:
    orders = parse_orders("Buy 10 AAPL at 190.25. What will MSFT do at 300?")
    assert orders == [OrderTicket("BUY", "10", "AAPL", "LIMIT", "DAY", limit_price="190.25")]


@pytest.mark.parametrize(
    "text",
    [
        "What is the price of AAPL?",
        "should I buy AAPL",
        "buy 10 shares",
        "buy 0 AAPL",
        "I sell 5 of them",
        "",
    ],
)
def test_no_order(text: str) -> None:
    assert parse_orders(text) == []


def test_decimal_text() -> None:
    assert decimal_text("1,250.50") == "1250.50"
    assert decimal_text("0") is None
    assert decimal_text("1.2.3") is None


def test_wire_form_and_description() -> None:
    order = OrderTicket("SELL", "20", "NVDA", "STOP_LIMIT", "DAY", "109", "110")
    assert order.as_wire("item") == {
        "order_type": "STOP_LIMIT",
        "quantity": "20",
        "side": "SELL",
        "time_in_force": "DAY",
        "symbol": "NVDA",
        "limit_price": "109",
        "stop_price": "110",
        "item_id": "item",
    }
    assert (
        order.describe() == "Sell 20 [NVDA](ticker:NVDA), stop $110, limit $109, good for the day"
    )


async def answer(text: str, *capabilities: str, **turn: Any) -> list[dict[str, Any]]:
    out = Collect()
    request = TurnRequest(mode=Mode.INSTANT, text=text, capabilities=capabilities)
    await BuiltinEngine(chunk_delay=0).run(Turn(RESPONSE_ID, uuid.uuid4(), 1, request, **turn), out)
    PARTS.validate_python([p for p in out.parts if p["type"] != "thinking"])
    return out.parts


async def test_prefill_part_when_declared() -> None:
    parts = await answer("buy 10 AAPL at 190 limit", "PREFILL_ORDER")
    assert [p["type"] for p in parts] == [
        "thinking",
        "text",
        "structured_action",
        "suggested_actions",
    ]
    action = parts[2]
    assert action["clicked"] is False
    assert uuid.UUID(action["action_id"]).version == 5
    assert action["action"] == {
        "prefill_order": {
            "action_type": "NEW",
            "orders": [
                {
                    "order_type": "LIMIT",
                    "quantity": "10",
                    "side": "BUY",
                    "time_in_force": "DAY",
                    "symbol": "AAPL",
                    "limit_price": "190",
                    "item_id": action["action"]["prefill_order"]["orders"][0]["item_id"],
                }
            ],
        }
    }
    text = parts[1]["text"]
    assert "review" in text and "nothing has been sent" in text
    assert "Buy 10 [AAPL](ticker:AAPL), limit $190, good for the day" in text
    button = parts[3]["payload"]["actionButtons"][0]
    assert button["structuredAction"] == {"actionId": action["action_id"]}


async def test_same_turn_same_ids() -> None:
    first = await answer("sell 5 MSFT at market", "PREFILL_ORDER")
    assert first == await answer("sell 5 MSFT at market", "PREFILL_ORDER")


async def test_no_prefill_without_the_capability() -> None:
    parts = await answer("buy 10 AAPL at 190 limit", "OPEN_CHART", "OPEN_ENTITLEMENT_CONSENT")
    assert [p["type"] for p in parts] == ["thinking", "text"]
    assert "nothing was prepared and nothing was sent" in parts[1]["text"]
    assert "Buy 10 [AAPL](ticker:AAPL)" in parts[1]["text"]
