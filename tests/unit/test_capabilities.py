"""The capability rule of the built-in engine, as properties over random turns.

Whatever the prompt, the context and the account's entitlement, a structured action only
appears for a capability the turn declared, buttons only point at actions of the same
message, every part has the official SDK's shape, and the same turn gives the same answer.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from clearstreet.types.v1.omni_ai import ResponseContentPart
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from omni_server.domain.models import Mode, Turn, TurnRequest
from omni_server.engines.builtin import BuiltinEngine
from omni_server.engines.structured import ACTION_OF, action_keys
from tests.unit.test_builtin_engine import Collect

PARTS = TypeAdapter(list[ResponseContentPart])
CAPABILITIES = sorted(ACTION_OF)

tickers = st.sampled_from(["AAPL", "MSFT", "NVDA", "SPY", "TSLA", "aapl", "$AMD", "BRK.B"])
fragments = st.one_of(
    st.sampled_from(
        [
            "What is the price of",
            "show me a chart of",
            "how did",
            "do this year",
            "buy 10",
            "sell 5",
            "at 190 limit",
            "at market",
            "stop 120",
            "gtc",
            "and",
            "show my portfolio",
            "what are my positions",
            "my balances",
            "buying power",
            "screen for stocks",
            "over the past 5 years",
            "today",
            "?",
            ".",
        ]
    ),
    tickers,
    st.text(max_size=12),
)
prompts = st.lists(fragments, max_size=8).map(" ".join)
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
snapshot_data = st.one_of(
    st.dictionaries(st.sampled_from(["symbol", "ticker", "cash", "buying_power"]), scalars),
    st.fixed_dictionaries(
        {
            "positions": st.lists(
                st.fixed_dictionaries(
                    {"symbol": st.one_of(tickers, scalars), "quantity": st.one_of(scalars)}
                ),
                max_size=4,
            )
        }
    ),
)
contexts = st.one_of(
    st.none(),
    st.lists(
        st.fixed_dictionaries(
            {"kind": st.sampled_from(["positions", "chart"]), "label": st.just("Snap")},
            optional={"data": snapshot_data},
        ),
        min_size=1,
        max_size=4,
    ).map(lambda items: {"items": items}),
)


def run_turn(
    prompt: str,
    capabilities: tuple[str, ...],
    context: dict[str, Any] | None,
    enabled: bool,
    mode: Mode = Mode.INSTANT,
) -> list[dict[str, Any]]:
    request = TurnRequest(
        mode=mode,
        text=prompt,
        capabilities=capabilities,
        context=context,
        target={"type": "ticker", "ticker": "NVDA"} if mode is Mode.DEEP_INSIGHTS else None,
    )
    turn = Turn(
        response_id=uuid.UUID("01965f0e-1f00-7000-8000-00000000abcd"),
        thread_id=uuid.uuid4(),
        account_id=7,
        request=request,
        account_data_enabled=enabled,
    )
    out = Collect()
    asyncio.run(BuiltinEngine(chunk_delay=0, directives_enabled=False).run(turn, out))
    return out.parts


def button_targets(parts: list[dict[str, Any]]) -> set[str]:
    targets: set[str] = set()
    for part in parts:
        payload = part.get("payload") or {}
        for button in payload.get("actionButtons") or ():
            if button.get("structuredAction"):
                targets.add(button["structuredAction"]["actionId"])
    return targets


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prompt=prompts,
    capabilities=st.lists(st.sampled_from(CAPABILITIES), unique=True).map(tuple),
    context=contexts,
    enabled=st.booleans(),
    mode=st.sampled_from([Mode.INSTANT, Mode.INSTANT, Mode.DEEP_INSIGHTS]),
)
def test_only_declared_capabilities_produce_actions(
    prompt: str,
    capabilities: tuple[str, ...],
    context: dict[str, Any] | None,
    enabled: bool,
    mode: Mode,
) -> None:
    parts = run_turn(prompt, capabilities, context, enabled, mode)
    allowed = {ACTION_OF[c] for c in capabilities}
    assert action_keys(parts) <= allowed
    for part in parts:
        if part["type"] == "structured_action":
            assert len(part["action"]) == 1
    action_ids = [p["action_id"] for p in parts if p["type"] == "structured_action"]
    assert len(action_ids) == len(set(action_ids))
    assert button_targets(parts) <= set(action_ids)
    PARTS.validate_python(parts)
    assert parts == run_turn(prompt, capabilities, context, enabled, mode)


@settings(max_examples=100, deadline=None)
@given(prompt=prompts, context=contexts, enabled=st.booleans())
def test_without_capabilities_there_is_no_structured_content(
    prompt: str, context: dict[str, Any] | None, enabled: bool
) -> None:
    parts = run_turn(prompt, (), context, enabled)
    assert {p["type"] for p in parts} <= {"thinking", "text", "suggested_actions"}
    assert button_targets(parts) == set()


def test_each_capability_can_produce_its_action() -> None:
    """The property above is not vacuous: declared capabilities do produce actions."""
    assert action_keys(run_turn("buy 10 AAPL", ("PREFILL_ORDER",), None, True)) == {"prefill_order"}
    assert action_keys(run_turn("chart AAPL", ("OPEN_CHART",), None, True)) == {"open_chart"}
    consent = run_turn("my portfolio", ("OPEN_ENTITLEMENT_CONSENT",), None, False)
    assert action_keys(consent) == {"open_entitlement_consent"}
