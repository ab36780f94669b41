"""The prompt's budget and system prompt file, and deep insights run as a plan."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from omni_server.domain.ids import utcnow
from omni_server.domain.lifecycle import MessageOutcome
from omni_server.domain.models import Message, Mode, Role, Turn, TurnRequest
from omni_server.engines.llm import prompt
from omni_server.engines.llm.config import default_system_prompt
from omni_server.engines.llm.engine import plan_steps
from tests.llm.conftest import llm_settings
from tests.llm.fake_provider import FakeProvider, text_reply, tool_call
from tests.llm.helpers import ask, parts, text_of
from tests.llm.test_tools import calls
from tests.support import running_app, sqlite_url


def message(seq: int, role: Role, text: str) -> Message:
    return Message(
        id=uuid.uuid4(),
        thread_id=uuid.uuid4(),
        seq=seq,
        role=role,
        outcome=MessageOutcome.COMPLETED,
        parts=({"type": "text", "text": text},),
        created_at=utcnow(),
    )


def turn_with_history(count: int, words: int) -> Turn:
    history = [
        message(i + 1, Role.USER if i % 2 == 0 else Role.ASSISTANT, f"m{i} " + "word " * words)
        for i in range(count)
    ]
    history.append(message(count + 1, Role.USER, "the question"))
    return Turn(
        response_id=uuid.uuid4(),
        thread_id=uuid.uuid4(),
        account_id=1,
        request=TurnRequest(mode=Mode.INSTANT, text="the question"),
        history=history,
    )


def test_history_fits_the_budget_dropping_the_oldest_first() -> None:
    turn = turn_with_history(20, 50)
    full = prompt.build(turn, "system", budget=100_000)
    assert len(full) == 2 + 20 + 1
    budget = prompt.estimate_all(full) // 2
    cut = prompt.build(turn, "system", budget=budget)
    assert prompt.estimate_all(cut) <= budget
    kept = [m["content"].split()[0] for m in cut[1:-2]]
    assert kept and kept[-1] == "m19" and kept[0] != "m0"
    assert cut[1]["role"] == "user"  # never starts with an orphan answer
    assert kept == [f"m{i}" for i in range(int(kept[0][1:]), 20)]  # a suffix, in order
    tiny = prompt.build(turn, "system", budget=10)
    assert [m["role"] for m in tiny] == ["system", "system", "user"]


def test_estimate_is_a_quarter_of_the_characters_plus_framing() -> None:
    one = {"role": "user", "content": "x" * 400}
    assert prompt.estimate_tokens(one) == -(-len(json.dumps(one, separators=(",", ":"))) // 4) + 4


def test_shipped_system_prompt_is_careful() -> None:
    text = default_system_prompt()
    assert "Never invent prices" in text and "prefill" in text and "never place" in text


async def test_system_prompt_file_replaces_the_default(
    provider: FakeProvider, tmp_path: Path
) -> None:
    custom = tmp_path / "prompt.md"
    custom.write_text("You are the desk's assistant.")
    settings = llm_settings(sqlite_url(tmp_path), provider, system_prompt_file=custom)
    async with running_app(settings) as h:  # type: ignore[arg-type]
        await ask(h)
    assert provider.received[0].body["messages"][0] == {
        "role": "system",
        "content": "You are the desk's assistant.",
    }


def test_plan_steps_reads_numbered_and_bulleted_lines() -> None:
    text = "Plan:\n1. Fundamentals\n2) Technicals\n- Risks\nnot a step\n" + "3. x\n" * 9
    assert plan_steps(text)[:3] == ["Fundamentals", "Technicals", "Risks"]
    assert len(plan_steps(text)) == 5


async def test_deep_insights_plans_then_reports(provider: FakeProvider, tmp_path: Path) -> None:
    options = json.dumps(
        {"kind": "call", "spot": 100, "strike": 110, "years": 0.25, "volatility": 0.4}
    )
    provider.script(
        text_reply("1. Review fundamentals\n2. Price the upside calls"),
        text_reply("Fundamentals are steady."),
        calls(tool_call(0, "o", "options_analytics", options)),
        text_reply("Calls are cheap."),
        text_reply("**Report.** ", "Steady, with cheap upside."),
    )
    async with running_app(llm_settings(sqlite_url(tmp_path), provider)) as h:  # type: ignore[arg-type]
        final = await ask(h, type="deep_insights", target={"type": "ticker", "ticker": "NVDA"})
    assert final["status"] == "succeeded"
    assert text_of(final) == "**Report.** Steady, with cheap upside."
    thoughts = [t for p in parts(final, "thinking") for t in p["thoughts"]]
    step_lines = [t for t in thoughts if t.startswith("[")]
    assert step_lines == ["[1/2] Review fundamentals", "[2/2] Price the upside calls"]
    assert thoughts.index("Using options_analytics...") > thoughts.index(step_lines[1])
    assert len(provider.received) == 5
    last = provider.received[-1].body["messages"]
    assert "final report" in last[-1]["content"]
    contents = [m.get("content") for m in last]
    assert "Fundamentals are steady." in contents and "Calls are cheap." in contents
    assert '"ticker": "NVDA"' in provider.received[0].body["messages"][-2]["content"]
