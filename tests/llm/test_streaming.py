"""Streaming from a real OpenAI-compatible server into the contract's parts."""

from __future__ import annotations

import pytest

from omni_server.domain.entitlements import ACCOUNT_DATA
from tests.llm.fake_provider import FakeProvider, Reply, chunk, text_reply, usage
from tests.llm.helpers import API, ask, parts, poll, start, text_of
from tests.support import Harness, wait_for, wait_terminal


async def test_answer_streams_into_the_text_part(llm: Harness, provider: FakeProvider) -> None:
    pieces = [f"word{i} " for i in range(30)]
    provider.script(text_reply(*pieces, delay=0.03))
    created = await start(llm)
    rid = created["response_id"]

    async def growing() -> str | None:
        response = await poll(llm, rid)
        text = text_of(response)
        return (
            text
            if response["status"] == "running" and 0 < len(text) < len("".join(pieces))
            else None
        )

    partial = await wait_for(growing)
    assert "".join(pieces).startswith(partial)
    final = await wait_terminal(llm.client, rid)
    assert final["status"] == "succeeded"
    assert text_of(final) == "".join(pieces)
    sent = provider.received[0]
    assert sent.body["stream"] is True and sent.body["model"] == "fake-model"
    assert sent.headers["authorization"] == "Bearer sk-secret-test-key"


@pytest.mark.parametrize("key", ["reasoning_content", "reasoning"])
async def test_reasoning_becomes_thinking_while_running_and_never_in_history(
    llm: Harness, provider: FakeProvider, key: str
) -> None:
    reasoning = [chunk(reasoning=w, reasoning_key=key) for w in ("Let ", "me ", "think.")]
    stall = [chunk(reasoning=" ...", reasoning_key=key) for _ in range(10)]
    provider.script(Reply(chunks=[*reasoning, *stall, chunk("Answer."), usage(5, 3)], delay=0.03))
    created = await start(llm)
    rid = created["response_id"]

    async def thinking() -> list[str] | None:
        found = parts(await poll(llm, rid), "thinking")
        return found[0]["thoughts"] if found else None

    thoughts = await wait_for(thinking)
    assert thoughts[0].startswith("Let ")
    final = await wait_terminal(llm.client, rid)
    assert text_of(final) == "Answer."
    r = await llm.client.get(
        f"{API}/threads/{created['thread_id']}/messages", params={"account_id": 1}
    )
    answer = r.json()["data"][-1]
    assert answer["role"] == "ASSISTANT"
    assert [p["type"] for p in answer["content"]["parts"]] == ["text"]


async def test_prompt_holds_system_history_context_and_entitlement(
    llm: Harness, provider: FakeProvider
) -> None:
    provider.script(text_reply("First answer."), text_reply("Second answer."))
    first = await ask(llm, "What is AAPL?")
    assert first["status"] == "succeeded"
    snapshot = {"items": [{"kind": "watchlist", "label": "Mine", "data": {"symbols": ["NVDA"]}}]}
    r = await llm.client.post(
        f"{API}/threads/{first['thread_id']}/messages",
        json={"account_id": 1, "text": "And NVDA?", "context": snapshot},
    )
    await wait_terminal(llm.client, r.json()["data"]["response_id"])

    messages = provider.received[1].body["messages"]
    assert messages[0]["role"] == "system" and "prefill" in messages[0]["content"]
    assert [m["content"] for m in messages[1:3]] == ["What is AAPL?", "First answer."]
    assert [m["role"] for m in messages[1:3]] == ["user", "assistant"]
    context = messages[3]["content"]
    assert '"label":"Mine"' in context and '"kind":"watchlist"' in context
    assert '"symbols":["NVDA"]' in context
    assert "entitlement for account 1: on" in context
    assert messages[-1] == {"role": "user", "content": "And NVDA?"}


async def test_off_entitlement_is_in_the_prompt(llm: Harness, provider: FakeProvider) -> None:
    body = {"account_ids": [1], "entitlement_codes": [ACCOUNT_DATA]}
    r = await llm.client.post(f"{API}/entitlements/opt-out", json=body)
    assert r.status_code == 200, r.text
    await ask(llm)
    context = provider.received[0].body["messages"][-2]["content"]
    assert "entitlement for account 1: off" in context
