"""The built-in engine: directives, determinism and part shapes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from omni_server.domain.models import Mode, Turn, TurnRequest
from omni_server.engines import directives
from omni_server.engines.base import EngineError
from omni_server.engines.builtin import BuiltinEngine, chunks, tickers_in


class Collect:
    def __init__(self) -> None:
        self.parts: list[dict[str, Any]] = []

    async def add_part(self, part: dict[str, Any]) -> None:
        self.parts.append(part)

    async def append_text(self, delta: str) -> None:
        if self.parts and self.parts[-1]["type"] == "text":
            self.parts[-1]["text"] += delta
        else:
            self.parts.append({"type": "text", "text": delta})

    async def add_thought(self, thought: str) -> None:
        if self.parts and self.parts[-1]["type"] == "thinking":
            self.parts[-1]["thoughts"].append(thought)
        else:
            self.parts.append({"type": "thinking", "thoughts": [thought]})


def turn(text: str, mode: Mode = Mode.INSTANT, **kw: Any) -> Turn:
    return Turn(
        response_id=uuid.uuid4(),
        thread_id=uuid.uuid4(),
        account_id=1,
        request=TurnRequest(mode=mode, text=text, **kw),
    )


async def run(text: str, mode: Mode = Mode.INSTANT, **kw: Any) -> list[dict[str, Any]]:
    out = Collect()
    await BuiltinEngine(chunk_delay=0).run(turn(text, mode, **kw), out)
    return out.parts


def test_directive_parsing() -> None:
    assert directives.parse("hello") is None
    assert directives.parse("x !omni:sleep=1.5 y") == directives.Directive(sleep=1.5)
    assert directives.parse("!omni:hang") == directives.Directive(hang=True)
    assert directives.parse("!omni:fail=engine_error") == directives.Directive(fail="engine_error")
    assert directives.parse("!omni:crash") == directives.Directive(crash=True)
    assert directives.without_directives("What about AAPL? !omni:sleep=2") == "What about AAPL?"


def test_chunks_keep_every_character() -> None:
    text = "Hello  world,\n\nthis is [AAPL](ticker:AAPL)."
    assert "".join(chunks(text)) == text
    assert len(chunks(text)) > 3


def test_tickers() -> None:
    assert tickers_in("Compare AAPL with $MSFT and AAPL, I think") == ["AAPL", "MSFT"]


async def test_instant_answer_shape_and_determinism() -> None:
    first = await run("What is the price of AAPL?")
    assert [p["type"] for p in first] == ["thinking", "text", "suggested_actions"]
    assert "[AAPL](ticker:AAPL)" in first[1]["text"]
    assert "simulated" in first[1]["text"] and "not a real quote" in first[1]["text"]
    assert "do not trade on them" in first[1]["text"]
    assert all("Fetching current market data" not in t for t in first[0]["thoughts"])
    button = first[2]["payload"]["actionButtons"][0]
    assert button["buttonId"] and button["label"] and button["prompt"]["prompt"]
    again = await run("What is the price of AAPL?")  # another turn: ids differ, text does not
    assert again[1] == first[1]
    same_turn = turn("What is the price of AAPL?")
    outputs = [Collect(), Collect()]
    for out in outputs:
        await BuiltinEngine(chunk_delay=0).run(same_turn, out)
    assert outputs[0].parts == outputs[1].parts


async def test_deep_insights_shows_steps_then_report() -> None:
    parts = await run("", Mode.DEEP_INSIGHTS, target={"type": "ticker", "ticker": "nvda"})
    thoughts = parts[0]["thoughts"]
    assert [t[:5] for t in thoughts] == ["[1/4]", "[2/4]", "[3/4]", "[4/4]"]
    assert "NVDA" in thoughts[0]
    assert parts[1]["type"] == "text" and len(parts[1]["text"]) > 300
    assert "simulated price" in parts[1]["text"] and "no market data" in parts[1]["text"]


async def test_fail_directive_raises_engine_error_with_code() -> None:
    with pytest.raises(EngineError) as caught:
        await run("!omni:fail=engine_error")
    assert caught.value.code == "engine_error"


async def test_crash_directive_raises_unexpected_error() -> None:
    with pytest.raises(RuntimeError):
        await run("!omni:crash")


async def test_directives_can_be_disabled() -> None:
    out = Collect()
    await BuiltinEngine(chunk_delay=0, directives_enabled=False).run(turn("!omni:crash"), out)
    assert out.parts[-1]["type"] == "suggested_actions"
