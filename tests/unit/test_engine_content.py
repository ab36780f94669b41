"""The built-in engine's structured content: charts, consent requests, portfolios, context."""

from __future__ import annotations

import uuid
from typing import Any

from clearstreet.types.v1.omni_ai import ResponseContentPart
from pydantic import TypeAdapter

from omni_server.domain.models import Mode, Turn, TurnRequest
from omni_server.engines.builtin import BuiltinEngine
from omni_server.engines.market import anchor_day, price_series, quote, timeframe_in
from omni_server.engines.portfolio import from_context, made_up
from tests.unit.test_builtin_engine import Collect

PARTS = TypeAdapter(list[ResponseContentPart])
RESPONSE_ID = uuid.UUID("01965f0e-1f00-7000-8000-000000000001")  # 2025-04-22


async def answer(
    text: str,
    *capabilities: str,
    enabled: bool = True,
    context: dict[str, Any] | None = None,
    mode: Mode = Mode.INSTANT,
    target: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    request = TurnRequest(
        mode=mode, text=text, capabilities=capabilities, context=context, target=target
    )
    turn = Turn(RESPONSE_ID, uuid.uuid4(), 42, request, account_data_enabled=enabled)
    out = Collect()
    await BuiltinEngine(chunk_delay=0).run(turn, out)
    PARTS.validate_python(out.parts)
    return out.parts


def by_type(parts: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [p for p in parts if p["type"] == kind]


async def test_chart_and_open_chart_action_when_declared() -> None:
    parts = await answer("Show me AAPL over the past year", "OPEN_CHART")
    assert [p["type"] for p in parts] == [
        "thinking",
        "text",
        "chart",
        "structured_action",
        "suggested_actions",
    ]
    chart, action = parts[2]["payload"], parts[3]
    assert chart["chartId"] == "chart_aapl_1y"
    assert chart["clicked"] is False
    series = chart["dataChart"]["series"]
    assert [s["name"] for s in series] == ["AAPL"]
    points = series[0]["points"]
    assert len(points) == 12
    assert points[-1] == {"x": "2025-04-22", "y": quote("AAPL")[0]}
    assert action["action"] == {
        "open_chart": {
            "symbol": "AAPL",
            "timeframe": "1Y",
            "item_id": action["action"]["open_chart"]["item_id"],
        }
    }
    assert chart["actionButtons"][0]["structuredAction"] == {"actionId": action["action_id"]}


async def test_comparison_charts_several_series() -> None:
    parts = await answer("Compare NVDA and AMD", "OPEN_CHART")
    (chart,) = by_type(parts, "chart")
    assert [s["name"] for s in chart["payload"]["dataChart"]["series"]] == ["NVDA", "AMD"]


async def test_no_chart_without_the_capability_or_a_ticker() -> None:
    assert not by_type(await answer("Show me AAPL", "PREFILL_ORDER"), "chart")
    assert not by_type(await answer("How are markets?", "OPEN_CHART"), "chart")


async def test_deep_insights_chart_its_target_when_declared() -> None:
    target = {"type": "ticker", "ticker": "nvda"}
    parts = await answer("", "OPEN_CHART", mode=Mode.DEEP_INSIGHTS, target=target)
    (chart,) = by_type(parts, "chart")
    assert chart["payload"]["chartId"] == "chart_nvda_1y"
    plain = await answer("", mode=Mode.DEEP_INSIGHTS, target=target)
    assert not by_type(plain, "chart") and not by_type(plain, "structured_action")


async def test_portfolio_without_access_offers_consent_when_declared() -> None:
    parts = await answer("What are my positions?", "OPEN_ENTITLEMENT_CONSENT", enabled=False)
    (action,) = by_type(parts, "structured_action")
    consent = action["action"]["open_entitlement_consent"]
    assert consent["account_ids"] == [42]
    assert consent["agreement_key"] == "omni_account_data_access"
    assert consent["entitlement_codes"] == ["omni.account_data"]
    assert consent["reason"]
    assert "permission" in by_type(parts, "text")[0]["text"]


async def test_portfolio_without_access_says_so_in_text_only() -> None:
    parts = await answer("What are my positions?", "OPEN_CHART", "PREFILL_ORDER", enabled=False)
    assert not by_type(parts, "structured_action")
    text = by_type(parts, "text")[0]["text"]
    assert "turned off" in text and "account 42" in text


async def test_portfolio_with_access_is_made_up_and_stable() -> None:
    parts = await answer("Show my portfolio", "OPEN_ENTITLEMENT_CONSENT")
    assert not by_type(parts, "structured_action")
    text = by_type(parts, "text")[0]["text"]
    for position in made_up(42).positions:
        assert f"[{position.symbol}](ticker:{position.symbol})" in text
    assert text == by_type(await answer("Show my portfolio"), "text")[0]["text"]


async def test_portfolio_from_a_context_snapshot() -> None:
    context = {
        "items": [
            {"kind": "watchlist", "label": "Tech", "data": {"symbols": ["AAPL"]}},
            {
                "kind": "positions",
                "label": "My positions",
                "data": {
                    "positions": [
                        {"symbol": "AAPL", "quantity": "10"},
                        {"ticker": "msft", "qty": 2.5},
                        {"symbol": "not a symbol", "quantity": "1"},
                    ],
                    "balances": {"cash": "1500.25"},
                },
            },
        ]
    }
    parts = await answer("What are my holdings?", context=context)
    text = by_type(parts, "text")[0]["text"]
    assert "**My positions**" in text
    assert "10 [AAPL](ticker:AAPL)" in text and "2.5 [MSFT](ticker:MSFT)" in text
    assert "Cash: 1500.25." in text
    assert "not a symbol" not in text


async def test_context_never_stands_in_for_consent() -> None:
    context = {"items": [{"kind": "positions", "label": "P", "data": {"positions": []}}]}
    parts = await answer("my positions", enabled=False, context=context)
    assert "turned off" in by_type(parts, "text")[0]["text"]


async def test_context_is_mentioned_and_names_the_ticker() -> None:
    context = {"items": [{"kind": "chart", "label": "NVDA 1D", "data": {"symbol": "nvda"}}]}
    parts = await answer("What do you think of this?", context=context)
    text = by_type(parts, "text")[0]["text"]
    assert "[NVDA](ticker:NVDA)" in text
    assert "**NVDA 1D** (chart)" in text


def test_market_helpers() -> None:
    assert timeframe_in("over five years") == "5Y"
    assert timeframe_in("today please") == "1D"
    assert timeframe_in("anything") == "1M"
    assert anchor_day(uuid.UUID(int=5)).isoformat() == "2026-01-02"
    assert anchor_day(uuid.UUID("01965f0e-1f00-7000-8000-000000000001")).isoformat() == (
        "2025-04-22"
    )
    day = price_series("AAPL", "1D", anchor_day(RESPONSE_ID))
    assert [x for x, _ in day][:2] == ["09:30", "10:00"] and day[-1][0] == "16:00"
    week = price_series("AAPL", "1W", anchor_day(RESPONSE_ID))
    assert len(week) == 5 and week == sorted(week)


def test_context_parsing_tolerates_any_shape() -> None:
    weird: list[Any] = [
        {"data": None},
        {"data": {"positions": "x"}},
        {"data": {"positions": [1, None, {"symbol": 5}, {"symbol": "A", "quantity": True}]}},
    ]
    assert from_context(weird) is None
