"""The ``openai`` engine: a turn answered by an OpenAI-compatible chat-completions model.

One turn is a loop of streamed completions: content deltas extend the answer's text,
reasoning deltas extend a thinking part, and tool calls (parallel ones included) are run and
answered with ``tool`` messages until the model answers without calling a tool, at most
``max_steps`` rounds (the last round offers no tools, so it has to answer). Parts produced by
tools are added after the text. ``deep_insights`` turns first ask the model for a plan, run
each step with its progress shown as thinking, then stream the final report as the answer.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Any

import httpx

from omni_server.domain.models import Mode, Part, Turn
from omni_server.engines.base import TurnOutput
from omni_server.engines.llm import prompt
from omni_server.engines.llm.builtin_tools import builtin_tools
from omni_server.engines.llm.config import LLMConfig
from omni_server.engines.llm.stream import ChatClient, Sinks
from omni_server.engines.llm.tools import Tool, ToolContext, call, definition, offered
from omni_server.engines.structured import Ids

MAX_PLAN_STEPS = 5
PLAN_REQUEST = (
    "Before answering, plan your research. Reply only with the steps, one per line, numbered "
    f"1., 2., ...; at most {MAX_PLAN_STEPS} steps. Do not answer yet."
)
STEP_REQUEST = (
    "Carry out step {n}: {step}\nWrite down your findings briefly; this is not the answer yet."
)
REPORT_REQUEST = (
    "Now write the final report for the user from your findings: clear sections, the risks, "
    "and what is uncertain. Do not present it as certainty or as personal advice."
)
_STEP_LINE = re.compile(r"^\s*(?:\d+[.)]|[-*])\s+(?P<step>.+?)\s*$")


def plan_steps(text: str) -> list[str]:
    """The steps of a plan the model wrote (numbered or bulleted lines)."""
    steps = [m.group("step") for line in text.splitlines() if (m := _STEP_LINE.match(line))]
    return steps[:MAX_PLAN_STEPS]


class _Turn:
    """One running turn: its output, sinks, tools and the parts the tools produced."""

    def __init__(self, turn: Turn, output: TurnOutput, tools: list[Tool]) -> None:
        self.turn = turn
        self.output = output
        self.tools = tools
        self.context = ToolContext(turn, Ids(turn.response_id))
        self.parts: list[Part] = []
        self._thinking = False
        self.hidden: list[str] = []

    def sinks(self, *, visible: bool) -> Sinks:
        self._thinking = False
        return Sinks(text=self._text if visible else self._hidden, reasoning=self._reasoning)

    async def thought(self, line: str) -> None:
        self._thinking = False
        await self.output.add_thought(line)

    async def _text(self, delta: str) -> None:
        self._thinking = False
        await self.output.append_text(delta)

    async def _hidden(self, delta: str) -> None:
        self.hidden.append(delta)

    async def _reasoning(self, delta: str) -> None:
        if self._thinking:
            await self.output.append_thought(delta)
        else:
            self._thinking = True
            await self.output.add_thought(delta)


class OpenAIEngine:
    """Streams answers from ``config.base_url``; ``client`` is injected (and closed by us)."""

    name = "openai"

    def __init__(
        self,
        config: LLMConfig,
        client: httpx.AsyncClient,
        *,
        tools: Sequence[Tool] | None = None,
    ) -> None:
        self._config = config
        self._client = client
        self._chat = ChatClient(client, config)
        self._tools = list(builtin_tools() if tools is None else tools)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def run(self, turn: Turn, output: TurnOutput) -> None:
        state = _Turn(turn, output, offered(self._tools, turn.request.capabilities))
        reserved = prompt.estimate_all([definition(t) for t in state.tools])
        messages = prompt.build(
            turn, self._config.system_prompt, self._config.context_tokens, reserved
        )
        if turn.request.mode is Mode.DEEP_INSIGHTS:
            await self._plan(state, messages)
        else:
            await self._converse(state, messages, visible=True)
        for part in state.parts:
            await output.add_part(part)

    async def _plan(self, state: _Turn, messages: list[prompt.ChatMessage]) -> None:
        messages.append({"role": "system", "content": PLAN_REQUEST})
        plan = await self._complete(state, messages, [], visible=False)
        steps = plan_steps(plan) or [state.turn.request.text.strip() or "Research the question"]
        messages[-1:] = [
            {"role": "assistant", "content": "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1))}
        ]
        for n, step in enumerate(steps, 1):
            await state.thought(f"[{n}/{len(steps)}] {step}")
            messages.append({"role": "user", "content": STEP_REQUEST.format(n=n, step=step)})
            findings = await self._converse(state, messages, visible=False)
            messages.append({"role": "assistant", "content": findings})
        messages.append({"role": "user", "content": REPORT_REQUEST})
        await self._converse(state, messages, visible=True)

    async def _converse(
        self, state: _Turn, messages: list[prompt.ChatMessage], *, visible: bool
    ) -> str:
        """Completions and tool rounds until the model answers; returns the last answer's text."""
        for step in range(self._config.max_steps + 1):
            tools = state.tools if step < self._config.max_steps else []
            text, calls = await self._round(state, messages, tools, visible=visible)
            if not calls:
                return text
            messages.append(
                {
                    "role": "assistant",
                    "content": text or None,
                    "tool_calls": [
                        {
                            "id": c.id,
                            "type": "function",
                            "function": {"name": c.name, "arguments": c.arguments},
                        }
                        for c in calls
                    ],
                }
            )
            for c in calls:
                await state.thought(f"Using {c.name}...")
            outcomes = await asyncio.gather(*(call(state.tools, c, state.context) for c in calls))
            for outcome in outcomes:
                messages.append(
                    {"role": "tool", "tool_call_id": outcome.call.id, "content": outcome.content}
                )
                state.parts.extend(outcome.parts)
        return ""  # pragma: no cover - the last round offers no tools

    async def _round(
        self, state: _Turn, messages: list[prompt.ChatMessage], tools: list[Tool], *, visible: bool
    ) -> tuple[str, list[Any]]:
        sinks = state.sinks(visible=visible)
        completion = await self._chat.complete(
            self._body(messages, tools), sinks, state.turn.response_id
        )
        if completion.usage_reported:
            state.output.record_usage(completion.prompt_tokens, completion.completion_tokens)
        return completion.text, completion.tool_calls if tools else []

    async def _complete(
        self, state: _Turn, messages: list[prompt.ChatMessage], tools: list[Tool], *, visible: bool
    ) -> str:
        text, _calls = await self._round(state, messages, tools, visible=visible)
        return text

    def _body(self, messages: list[prompt.ChatMessage], tools: list[Tool]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self._config.model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
            "max_tokens": self._config.max_tokens,
        }
        if tools:
            body["tools"] = [definition(t) for t in tools]
        return body
