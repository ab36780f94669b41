"""``omni chat``'s conversation and rendering in process (the pty tests in
``tests/e2e/test_chat.py`` drive the real program and its Ctrl-C handling)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from clear_street import ClearStreet
from omni_chat.app import Chat, run
from omni_chat.render import Screen
from tests.conftest import fast_settings
from tests.live.support import Live, serving
from tests.support import sqlite_url


@pytest.fixture
async def live(tmp_path: Path) -> AsyncIterator[Live]:
    async with serving(fast_settings(sqlite_url(tmp_path))) as server:
        yield server


def conversation(live: Live) -> tuple[str, str]:
    out = io.StringIO()
    with ClearStreet(api_key=live.key, base_url=live.url) as client:
        chat = Chat(client, 1, Screen(out, color=True))
        chat.ask("How is AAPL doing?")
        chat.ask("Buy 10 shares of MSFT at limit 300")
        chat.ask("!omni:fail=boom")
        thread_id = chat.thread_id
        assert thread_id is not None
        chat.deep("nvda")
        again = io.StringIO()
        Chat(client, 1, Screen(again, color=False)).show_history(thread_id)
    return out.getvalue(), again.getvalue()


async def test_answers_parts_and_history_render_readably(live: Live) -> None:
    shown, history = await asyncio.to_thread(conversation, live)
    assert "simulated price" in shown
    assert "\x1b[2m  ~ Reading the question...\x1b[0m" in shown  # thinking, dimmed
    assert "[chart]" in shown and "AAPL:" in shown
    assert "[order ticket - review only, nothing is placed]" in shown
    assert "BUY 10 MSFT LIMIT DAY limit_price=300" in shown
    assert "(1) Compare" in shown
    assert "[error: The turn failed as a test directive asked.]" in shown
    assert "Running parallel analysis on NVDA" in shown
    assert history.index("How is AAPL doing?") < history.index("Buy 10 shares")
    assert "\x1b[" not in history


def test_screen_renders_every_kind_of_part() -> None:
    out = io.StringIO()
    screen = Screen(out, color=False)
    for part in (
        {"type": "text", "text": "hi"},
        {"type": "thinking", "thoughts": ["hmm"]},
        {"type": "structured_action", "action": {"open_chart": {}}},
        {"type": "custom", "payload": 1},
    ):
        screen.part(part)
    assert out.getvalue().splitlines() == ["hi", "  ~ hmm", "[open chart]", "[custom]"]


async def test_run_reads_lines_until_end_of_input(
    live: Live, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines: Iterator[str] = iter(["", "Hello"])

    def fake_input(prompt: str) -> str:
        try:
            return next(lines)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("builtins.input", fake_input)
    monkeypatch.setenv("CLEAR_STREET_BASE_URL", live.url)
    monkeypatch.setenv("CLEAR_STREET_API_KEY", live.key)
    assert await asyncio.to_thread(run, ["--account-id", "1"]) == 0
    assert "omni:" in capsys.readouterr().out
