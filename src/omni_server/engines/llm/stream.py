"""One streamed chat completion over HTTP: SSE parsing, retries, timeouts, failures.

The request is an ``httpx`` stream inside ``async with``: when the turn is canceled the
engine's task gets ``CancelledError`` at its current await, leaving the block closes the
response, and an unfinished response's connection is closed rather than pooled, so the
provider sees the disconnect at once and stops generating.

Failures become :class:`~omni_server.engines.base.EngineError` with a message a user can read;
the provider's body goes to the log with the response id, never to the user.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import httpx

from omni_server.engines.base import EngineError
from omni_server.engines.llm.config import LLMConfig

log = logging.getLogger("omni.engine.llm")

TextSink = Callable[[str], Awaitable[None]]

_RETRYABLE = frozenset({429, 500, 502, 503, 504})
_MAX_LOGGED_BODY = 2000


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str = ""


@dataclass
class Completion:
    """What one streamed call produced, besides the deltas already handed to the sinks."""

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    usage_reported: bool = False
    finish_reason: str | None = None


@dataclass
class Sinks:
    """Where deltas go as they arrive: the answer's text and the model's reasoning."""

    text: TextSink
    reasoning: TextSink


class _Retry(Exception):
    def __init__(self, status: int, delay: float | None) -> None:
        self.status = status
        self.delay = delay


def _failure(message: str) -> EngineError:
    return EngineError("engine_error", message)


class ChatClient:
    """Talks to ``{base_url}/chat/completions`` with ``stream: true`` through ``client``."""

    def __init__(self, client: httpx.AsyncClient, config: LLMConfig) -> None:
        self._client = client
        self._config = config

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "text/event-stream"}
        if self._config.api_key:
            headers["Authorization"] = f"Bearer {self._config.api_key}"
        return headers

    async def complete(
        self, body: dict[str, Any], sinks: Sinks, response_id: uuid.UUID
    ) -> Completion:
        """Stream one completion; retry 429/5xx/refused connections before the first token."""
        attempt = 0
        while True:
            try:
                return await self._attempt(body, sinks, response_id)
            except _Retry as retry:
                if attempt >= self._config.max_retries:
                    raise _failure(_status_message(retry.status)) from None
                delay = self._config.backoff * 2**attempt
                if retry.delay is not None:
                    delay = min(max(delay, retry.delay), 30.0)
                attempt += 1
                log.warning(
                    "response %s: provider answered %s, retry %d in %.1fs",
                    response_id,
                    retry.status or "no connection",
                    attempt,
                    delay,
                )
                await asyncio.sleep(delay)

    async def _attempt(
        self, body: dict[str, Any], sinks: Sinks, response_id: uuid.UUID
    ) -> Completion:
        reader = _ChunkReader(sinks, response_id)
        try:
            async with asyncio.timeout(self._config.timeout) as first_token:
                await self._read(body, reader, first_token, response_id)
        except TimeoutError:
            # Only this block's own deadline ends here: the turn's limit arrives as a cancel.
            log.warning("response %s: no first token from the provider in time", response_id)
            raise _no_first_token(self._config.timeout) from None
        return reader.completion

    async def _read(
        self,
        body: dict[str, Any],
        reader: _ChunkReader,
        first_token: asyncio.Timeout,
        response_id: uuid.UUID,
    ) -> None:
        timeout = httpx.Timeout(self._config.timeout, read=None)
        try:
            async with self._client.stream(
                "POST", self._config.url, json=body, headers=self._headers(), timeout=timeout
            ) as response:
                await _check_status(response, response_id)
                async for line in response.aiter_lines():
                    if await reader.line(line):
                        first_token.reschedule(None)
                    if reader.done:
                        return
        except httpx.ConnectError:
            log.warning("response %s: model provider refused the connection", response_id)
            raise _Retry(0, None) from None
        except httpx.HTTPError as exc:
            log.warning("response %s: model provider stream broke: %r", response_id, exc)
            raise _failure("The connection to the model provider broke.") from None
        if not reader.done:
            log.warning("response %s: stream ended without [DONE]", response_id)
            reader.finish()


def _no_first_token(seconds: float) -> EngineError:
    return EngineError(
        "timeout", f"The model provider did not start answering within {seconds:g} seconds."
    )


def _status_message(status: int) -> str:
    if status == 0:
        return "The model provider could not be reached."
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        return f"The model provider answered {status}."
    return f"The model provider answered {status} {phrase}."


async def _check_status(response: httpx.Response, response_id: uuid.UUID) -> None:
    if response.status_code < 400:
        return
    raw = await response.aread()
    log.warning(
        "response %s: model provider answered %s: %s",
        response_id,
        response.status_code,
        raw[:_MAX_LOGGED_BODY].decode("utf-8", "replace"),
    )
    if response.status_code in _RETRYABLE:
        raise _Retry(response.status_code, _retry_after(response))
    raise _failure(_status_message(response.status_code))


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("retry-after", ""))
    except ValueError:
        return None


class _ChunkReader:
    """Turns SSE lines into sink calls and a :class:`Completion`."""

    def __init__(self, sinks: Sinks, response_id: uuid.UUID) -> None:
        self.completion = Completion()
        self.done = False
        self._sinks = sinks
        self._response_id = response_id
        self._calls: dict[int, ToolCall] = {}

    def finish(self) -> None:
        self.done = True
        self.completion.tool_calls = [self._calls[i] for i in sorted(self._calls)]

    async def line(self, line: str) -> bool:
        """Handle one line; ``True`` when it carried a chunk (the first token has come)."""
        if not line.startswith("data:"):
            return False  # blank separators, comments, event names
        payload = line[5:].strip()
        if payload == "[DONE]":
            self.finish()
            return True
        try:
            chunk = json.loads(payload)
            if not isinstance(chunk, dict):
                raise ValueError("chunk is not an object")
        except ValueError:
            log.warning("response %s: malformed chunk: %.500s", self._response_id, payload)
            raise _failure("The model provider sent a malformed answer.") from None
        await self._chunk(chunk)
        return True

    async def _chunk(self, chunk: dict[str, Any]) -> None:
        if "error" in chunk:
            log.warning("response %s: provider error chunk: %.500s", self._response_id, chunk)
            raise _failure("The model provider reported an error while answering.")
        usage = chunk.get("usage")
        if isinstance(usage, dict):
            self.completion.usage_reported = True
            self.completion.prompt_tokens = int(usage.get("prompt_tokens") or 0)
            self.completion.completion_tokens = int(usage.get("completion_tokens") or 0)
        for choice in chunk.get("choices") or []:
            if isinstance(choice, dict) and choice.get("index", 0) == 0:
                await self._choice(choice)

    async def _choice(self, choice: dict[str, Any]) -> None:
        if choice.get("finish_reason"):
            self.completion.finish_reason = str(choice["finish_reason"])
        delta = choice.get("delta") or {}
        reasoning = delta.get("reasoning_content") or delta.get("reasoning")
        if isinstance(reasoning, str) and reasoning:
            await self._sinks.reasoning(reasoning)
        content = delta.get("content")
        if isinstance(content, str) and content:
            self.completion.text += content
            await self._sinks.text(content)
        for call in delta.get("tool_calls") or []:
            self._tool_call(call)

    def _tool_call(self, delta: dict[str, Any]) -> None:
        index = int(delta.get("index", len(self._calls)))
        call = self._calls.setdefault(index, ToolCall(id="", name=""))
        call.id = delta.get("id") or call.id
        function = delta.get("function") or {}
        call.name += function.get("name") or ""
        call.arguments += function.get("arguments") or ""
