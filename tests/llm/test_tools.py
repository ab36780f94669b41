"""Function calling through the real server: single, parallel, bad arguments, gating, limits."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from omni_server.engines import structured
from omni_server.engines.llm.options_math import OptionInputs, analyze
from omni_server.engines.orders import OrderTicket
from tests.llm.conftest import llm_settings
from tests.llm.fake_provider import FakeProvider, Reply, chunk, text_reply, tool_call, usage
from tests.llm.helpers import ask, parts, text_of
from tests.support import Harness, running_app, sqlite_url

OPTION_ARGS = {
    "kind": "call",
    "spot": 42,
    "strike": 40,
    "years": 0.5,
    "volatility": 0.2,
    "rate": 0.1,
}


def calls(*made: dict[str, Any]) -> Reply:
    """A reply that asks for the tool calls ``made`` (each split over two chunks)."""
    chunks: list[dict[str, Any] | str] = []
    for call in made:
        args = call["function"]["arguments"]
        head = {**call, "function": {**call["function"], "arguments": args[:5]}}
        tail = {"index": call["index"], "function": {"arguments": args[5:]}}
        chunks += [chunk(tool_calls=[head]), chunk(tool_calls=[tail])]
    return Reply(chunks=[*chunks, chunk(finish="tool_calls"), usage(20, 7)])


def tool_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in body["messages"] if m["role"] == "tool"]


def offered(body: dict[str, Any]) -> list[str]:
    return [t["function"]["name"] for t in body.get("tools", [])]


async def test_single_tool_call_round_trips(llm: Harness, provider: FakeProvider) -> None:
    provider.script(
        calls(tool_call(0, "call_1", "options_analytics", json.dumps(OPTION_ARGS))),
        text_reply("The call is worth about $4.76."),
    )
    final = await ask(llm, "Price a 6-month 40 call on a $42 stock")
    assert final["status"] == "succeeded"
    assert text_of(final) == "The call is worth about $4.76."
    second = provider.received[1].body
    assistant = second["messages"][-2]
    assert assistant["tool_calls"][0]["id"] == "call_1"
    assert json.loads(assistant["tool_calls"][0]["function"]["arguments"]) == OPTION_ARGS
    (answer,) = tool_messages(second)
    assert answer["tool_call_id"] == "call_1"
    expected = analyze("call", OptionInputs(42, 40, 0.5, 0.2, 0.1))
    assert json.loads(answer["content"]) == pytest.approx(expected.as_dict())
    thoughts = [t for p in parts(final, "thinking") for t in p["thoughts"]]
    assert "Using options_analytics..." in thoughts


async def test_parallel_tool_calls_are_all_answered(llm: Harness, provider: FakeProvider) -> None:
    put = {**OPTION_ARGS, "kind": "put"}
    snapshot = {"items": [{"kind": "position", "label": "AAPL", "data": {"qty": "10"}}]}
    provider.script(
        calls(
            tool_call(0, "c_call", "options_analytics", json.dumps(OPTION_ARGS)),
            tool_call(1, "c_put", "options_analytics", json.dumps(put)),
            tool_call(2, "c_snap", "read_context_snapshot", json.dumps({"label": "AAPL"})),
        ),
        text_reply("Done."),
    )
    final = await ask(llm, context=snapshot)
    assert final["status"] == "succeeded"
    answers = {
        m["tool_call_id"]: json.loads(m["content"])
        for m in tool_messages(provider.received[1].body)
    }
    assert set(answers) == {"c_call", "c_put", "c_snap"}
    assert answers["c_put"]["price"] == pytest.approx(
        analyze("put", OptionInputs(42, 40, 0.5, 0.2, 0.1)).price
    )
    assert answers["c_snap"] == {"kind": "position", "label": "AAPL", "data": {"qty": "10"}}


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ("{not json", "not valid JSON"),
        ("[1]", "must be a JSON object"),
        (json.dumps({**OPTION_ARGS, "volatility": -1}), "volatility"),
        (json.dumps({"kind": "straddle"}), "kind"),
    ],
)
async def test_bad_arguments_go_back_as_a_tool_error(
    llm: Harness, provider: FakeProvider, arguments: str, error: str
) -> None:
    provider.script(
        calls(tool_call(0, "bad", "options_analytics", arguments)), text_reply("Sorry.")
    )
    final = await ask(llm)
    assert final["status"] == "succeeded" and text_of(final) == "Sorry."
    (answer,) = tool_messages(provider.received[1].body)
    assert error in json.loads(answer["content"])["error"]


async def test_unknown_snapshot_label_is_a_tool_error(llm: Harness, provider: FakeProvider) -> None:
    provider.script(
        calls(tool_call(0, "s", "read_context_snapshot", '{"label": "nope"}')), text_reply("Ok.")
    )
    await ask(llm, context={"items": [{"kind": "k", "label": "real", "data": {}}]})
    (answer,) = tool_messages(provider.received[1].body)
    assert json.loads(answer["content"]) == {
        "error": "No snapshot is labelled 'nope'; labels: 'real'."
    }


ORDER = {
    "side": "BUY",
    "quantity": "10",
    "symbol": "aapl",
    "order_type": "LIMIT",
    "limit_price": "190",
}
CAPABILITY_CALLS = [
    ("PREFILL_ORDER", "prefill_order", {"orders": [ORDER]}),
    ("OPEN_CHART", "open_chart", {"symbol": "nvda", "timeframe": "1Y"}),
    (
        "OPEN_SCREENER",
        "open_screener",
        {"filters": [{"field": "sector", "operator": "eq", "value": "Energy"}]},
    ),
    ("OPEN_ENTITLEMENT_CONSENT", "request_account_data_consent", {}),
]


def expected_part(rid: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    ids = structured.Ids(uuid.UUID(rid))
    if name == "prefill_order":
        ticket = OrderTicket("BUY", "10", "AAPL", "LIMIT", "DAY", limit_price="190")
        return structured.prefill_order(ids, [ticket])
    if name == "open_chart":
        return structured.open_chart(ids, "NVDA", "1Y")
    if name == "open_screener":
        return structured.open_screener(ids, arguments)
    return structured.entitlement_consent(ids, 1)


@pytest.mark.parametrize(("capability", "name", "arguments"), CAPABILITY_CALLS)
async def test_declared_capability_offers_the_tool_and_emits_its_action(
    llm: Harness, provider: FakeProvider, capability: str, name: str, arguments: dict[str, Any]
) -> None:
    provider.script(calls(tool_call(0, "a", name, json.dumps(arguments))), text_reply("Here."))
    final = await ask(llm, capabilities=[capability])
    assert final["status"] == "succeeded"
    assert offered(provider.received[0].body) == [
        "options_analytics",
        "read_context_snapshot",
        name,
    ]
    actions = parts(final, "structured_action")
    assert actions == [expected_part(final["id"], name, arguments)]
    r = await llm.client.get(
        f"/v1/omni-ai/messages/{final['output_message_id']}", params={"account_id": 1}
    )
    assert r.json()["data"]["content"]["parts"][-1] == actions[0]


@pytest.mark.parametrize(("capability", "name", "arguments"), CAPABILITY_CALLS)
async def test_undeclared_capability_neither_offers_nor_emits(
    llm: Harness, provider: FakeProvider, capability: str, name: str, arguments: dict[str, Any]
) -> None:
    others = [c for c, _n, _a in CAPABILITY_CALLS if c != capability]
    provider.script(calls(tool_call(0, "a", name, json.dumps(arguments))), text_reply("Here."))
    final = await ask(llm, capabilities=others)
    assert name not in offered(provider.received[0].body)
    assert parts(final, "structured_action") == []
    (answer,) = tool_messages(provider.received[1].body)
    assert "no tool named" in json.loads(answer["content"])["error"]


async def test_tool_rounds_stop_at_max_steps(provider: FakeProvider, tmp_path: Path) -> None:
    looping = calls(tool_call(0, "again", "options_analytics", json.dumps(OPTION_ARGS)))
    provider.script(looping, looping, text_reply("Final."))
    settings = llm_settings(sqlite_url(tmp_path), provider, llm_max_steps=2)
    async with running_app(settings) as h:  # type: ignore[arg-type]
        final = await ask(h)
    assert final["status"] == "succeeded" and text_of(final) == "Final."
    assert len(provider.received) == 3
    assert "tools" in provider.received[1].body and "tools" not in provider.received[2].body
