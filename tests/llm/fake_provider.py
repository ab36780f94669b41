"""A small OpenAI-compatible chat-completions server for the tests: real HTTP on a free port.

It speaks HTTP/1.1 (keep-alive, chunked bodies) and the streaming protocol (``data: {...}``
events and ``data: [DONE]``). Each test scripts the replies, one per request in order (the
last one repeats), and reads back what the server received and when it saw each client
disconnect. Nothing here imports the engine: it only knows the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


def chunk(
    content: str | None = None,
    *,
    reasoning: str | None = None,
    reasoning_key: str = "reasoning_content",
    tool_calls: list[dict[str, Any]] | None = None,
    finish: str | None = None,
) -> dict[str, Any]:
    """One ``chat.completion.chunk`` with a delta."""
    delta: dict[str, Any] = {}
    if content is not None:
        delta["content"] = content
    if reasoning is not None:
        delta[reasoning_key] = reasoning
    if tool_calls is not None:
        delta["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "model": "fake",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def usage(prompt: int, completion: int) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "choices": [],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion},
    }


def tool_call(index: int, call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {
        "index": index,
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": arguments},
    }


def text_reply(*pieces: str, prompt: int = 10, delay: float = 0.0) -> Reply:
    chunks: list[dict[str, Any] | str] = [chunk(p) for p in pieces]
    chunks += [chunk(finish="stop"), usage(prompt, len(pieces))]
    return Reply(chunks=chunks, delay=delay)


@dataclass
class Reply:
    """What the server does with one request."""

    chunks: Sequence[dict[str, Any] | str] = ()
    """Events to stream; a ``str`` is sent raw as the event's data (for malformed chunks)."""
    delay: float = 0.0
    status: int = 200
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    done: bool = True
    forever: bool = False
    """After the chunks, keep streaming a token every ``delay`` until the client leaves."""
    silent: bool = False
    """Accept the request and never answer."""
    abort: bool = False
    """After the chunks, drop the connection in the middle of the body."""


@dataclass
class Received:
    body: dict[str, Any]
    headers: dict[str, str]
    at: float
    disconnected_at: float | None = None
    events_sent: int = 0


class FakeProvider:
    def __init__(self) -> None:
        self.replies: list[Reply] = [text_reply("Hello")]
        self.received: list[Received] = []
        self._server: asyncio.Server | None = None
        self._disconnected = asyncio.Event()
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, *replies: Reply) -> None:
        self.replies = list(replies)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            for task in list(self._handlers):
                task.cancel()
            await asyncio.gather(*self._handlers, return_exceptions=True)
            await self._server.wait_closed()

    async def wait_disconnect(self, timeout: float = 10.0) -> Received:
        """The first request whose client went away while it was being answered."""
        async with asyncio.timeout(timeout):
            while True:
                gone = [r for r in self.received if r.disconnected_at is not None]
                if gone:
                    return gone[0]
                self._disconnected.clear()
                await self._disconnected.wait()

    def _next_reply(self) -> Reply:
        index = min(len(self.received), len(self.replies) - 1)
        return self.replies[index]

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
        early = bytearray()  # a byte of the next request the disconnect watcher read
        try:
            while await self._one_request(reader, writer, early):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            pass  # the server is stopping
        finally:
            self._writers.discard(writer)
            if task is not None:
                self._handlers.discard(task)
            writer.close()

    async def _one_request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, early: bytearray
    ) -> bool:
        head = bytes(early) + await reader.readuntil(b"\r\n\r\n")
        early.clear()
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        raw = await reader.readexactly(int(headers.get("content-length", "0")))
        reply = self._next_reply()
        received = Received(json.loads(raw or b"{}"), headers, time.monotonic())
        self.received.append(received)
        watcher = asyncio.create_task(self._watch(reader, received, early))
        try:
            return await self._answer(reply, writer, received)
        except ConnectionError:
            self._gone(received)
            raise
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    async def _watch(
        self, reader: asyncio.StreamReader, received: Received, early: bytearray
    ) -> None:
        """Notice the client closing the connection while its request is being answered."""
        try:
            data = await reader.read(1)
        except ConnectionError:  # a reset is a disconnect too
            data = b""
        if data:  # the next request already started: not a disconnect
            early.extend(data)
            return
        self._gone(received)

    def _gone(self, received: Received) -> None:
        if received.disconnected_at is None:
            received.disconnected_at = time.monotonic()
        self._disconnected.set()

    async def _answer(self, reply: Reply, writer: asyncio.StreamWriter, received: Received) -> bool:
        if reply.silent:
            while received.disconnected_at is None:
                await asyncio.sleep(0.01)
            return False
        if reply.status != 200:
            body = reply.body.encode()
            extra = "".join(f"{k}: {v}\r\n" for k, v in reply.headers.items())
            writer.write(
                f"HTTP/1.1 {reply.status} Error\r\ncontent-type: application/json\r\n{extra}"
                f"content-length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()
            return True
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n"
            b"transfer-encoding: chunked\r\n\r\n"
        )
        events = [e if isinstance(e, str) else json.dumps(e) for e in reply.chunks]
        if reply.done and not reply.forever and not reply.abort:
            events.append("[DONE]")
        for event in events:
            if not await self._send(writer, event, reply.delay, received):
                return False
        while reply.forever:
            if not await self._send(writer, json.dumps(chunk("tick ")), reply.delay, received):
                return False
        if reply.abort:
            return False
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True

    async def _send(
        self, writer: asyncio.StreamWriter, event: str, delay: float, received: Received
    ) -> bool:
        if delay:
            await asyncio.sleep(delay)
        else:
            await asyncio.sleep(0)
        if received.disconnected_at is not None:
            return False
        data = f"data: {event}\n\n".encode()
        writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        await writer.drain()
        received.events_sent += 1
        return True
